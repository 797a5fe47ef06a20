package afterme.daemon.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * An fsync that no append waits for (the flush of {@code flush-interval} or {@code flush-bytes}), run on
 * the syncer thread so that the writer goes on writing memory-acked appends meanwhile. Started and
 * settled by the writer only; the syncer thread touches nothing but the file's fsync.
 */
final class BackgroundSync {
    /** The segment bytes this fsync makes durable. */
    final long size;
    /** The last seq this fsync makes durable. */
    final long seq;
    private final CompletableFuture<Long> nanos;

    /**
     * @param checkPath whether the fsync also checks the segment's path ({@link ActiveSegment#sync})
     * @param done      run on the syncer thread when the fsync has returned, to wake the writer
     */
    BackgroundSync(ActiveSegment segment, long seq, boolean checkPath, Executor syncer, Ticker ticker,
                   Runnable done) {
        this.size = segment.size();
        this.seq = seq;
        this.nanos = CompletableFuture.supplyAsync(() -> {
            long start = ticker.nanos();
            try {
                segment.sync(size, checkPath);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return ticker.nanos() - start;
        }, syncer);
        nanos.whenComplete((n, e) -> done.run());
    }

    boolean isDone() {
        return nanos.isDone();
    }

    /** Waits for the fsync; returns how long it took, or throws what it failed with. */
    long await() throws IOException {
        try {
            return nanos.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw new IOException("the background fsync failed: " + e.getCause(), e.getCause());
        }
    }
}
