package afterme.daemon.log;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What is written and not yet synced, and the fsyncs that sync it: on the writer thread for appends that
 * wait durable, on the syncer thread ({@link BackgroundSync}) for the flushes nobody waits for. Fsyncs
 * never overlap: every fsync, seal or reopen settles the background one first, so {@code durable_seq}
 * only moves forward. Owned by the writer thread; {@link #durableSeq} is published for readers.
 */
final class SyncPipeline {
    /**
     * How far the writer may write ahead of a running background fsync before it waits for the disk.
     * Appends written meanwhile go into the next fsync, which starts as soon as this one returns; had the
     * writer waited at {@code flushBytes}, they would have stayed in its queue until then and missed it.
     * With 1 MiB durable appends from 8 connections, waiting at 8 MiB instead of 1 took the daemon 5.6%
     * further (http-ab).
     */
    static final long AHEAD_OF_DISK_BYTES = 8L << 20;
    /**
     * Appends waiting durable that average this size or more are fsynced on the syncer thread rather than
     * by the writer. Their fsync takes milliseconds; run by the writer, the next large append waits in its
     * queue until it returns, and only then is written. With the syncer thread running it, the writer writes
     * that append meanwhile, and its pages are on their way to the disk (writeback starts per MiB written)
     * before its own fsync begins. 256 KiB durable appends from 8 connections went 3% and 12% further in two
     * alternating runs (http-ab), and 10-16% in three where a bound of 256 KiB on the group's bytes decided
     * the same hand-over; from 64 connections they stayed level. Smaller appends stay with the writer: at 64
     * connections of 16 KiB, that bound on the group cost 14%, because while the fsync runs the writer
     * takes the appends coming in with more, smaller writes, which cost more CPU than waiting for them.
     */
    static final long LARGE_APPEND_BYTES = 256L << 10;
    /**
     * A longer {@code --flush-interval} is read as this one, a century: as good as none (Kafka's
     * {@code flush.ms} is {@code Long.MAX_VALUE} by default). Deadlines are compared as differences of
     * {@code System.nanoTime}, which hold below 146 years; 292 years' nanoseconds overflow a long.
     */
    static final Duration LONGEST_FLUSH_INTERVAL = Duration.ofDays(36_500);
    /**
     * How often an fsync also checks that the segment's path still names the file it synced ({@link
     * ActiveSegment#sync}). A check with every fsync cost 100-byte durable appends at 64 connections 3% of
     * their rate and 0.8 us of the daemon's CPU each (http-ab, lower in 10 of 12 rounds); once per this
     * interval the same appends kept their CPU per append (21.5 against 21.2 us, less in 6 of 12 rounds),
     * and acks into a file no longer in the directory stop within it.
     */
    static final long PATH_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final LogConfig config;
    private final WriterStats stats;
    private final List<LogListener> listeners;
    private final Ticker ticker;
    private final long flushIntervalNanos;
    private final ExecutorService syncer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "afterme-syncer");
        t.setDaemon(true);
        return t;
    });
    /** Written, not yet handed to an fsync. */
    private final ArrayDeque<Staged> unsynced = new ArrayDeque<>();
    /** The fsync running on the syncer thread, and the appends it will make durable. */
    private BackgroundSync background;
    private final ArrayDeque<Staged> syncing = new ArrayDeque<>();
    private int durableWaiters;
    /** How many appends the last fsync made durable. */
    private int lastGroup;
    private long unsyncedBytes;
    private long flushDeadline;
    /** The active segment's bytes the last returned fsync covered. */
    private long syncedSize;
    private volatile long durableSeq;
    /** When the next fsync checks the segment's path. */
    private long pathCheckAt;

    SyncPipeline(LogConfig config, WriterStats stats, List<LogListener> listeners) {
        this.config = config;
        this.stats = stats;
        this.listeners = listeners;
        this.ticker = config.ticker();
        this.flushIntervalNanos = config.flushInterval().compareTo(LONGEST_FLUSH_INTERVAL) > 0
                ? LONGEST_FLUSH_INTERVAL.toNanos() : config.flushInterval().toNanos();
        this.pathCheckAt = ticker.nanos();
    }

    /** Whether this fsync checks the segment's path: at most once per {@link #PATH_CHECK_NANOS}. */
    private boolean pathCheckDue() {
        long now = ticker.nanos();
        if (now - pathCheckAt < 0) {
            return false;
        }
        pathCheckAt = now + PATH_CHECK_NANOS;
        return true;
    }

    /** A log (re)opened from its files: all of it is synced. */
    void adopt(long segmentSize, long seq) {
        syncedSize = segmentSize;
        durableSeq = seq;
    }

    long durableSeq() {
        return durableSeq;
    }

    long syncedSize() {
        return syncedSize;
    }

    /** A new segment started: its header and directory entry were synced by its creation. */
    void segmentStarted(long size) {
        syncedSize = size;
    }

    /** {@code bytes} more were written to the active segment. */
    void wrote(long bytes) {
        if (bytes > 0 && unsyncedBytes == 0) {
            flushDeadline = ticker.nanos() + flushIntervalNanos;
        }
        unsyncedBytes += bytes;
    }

    /** A written append: acked durable at once if an fsync already covers it, else it waits for the next. */
    void written(Staged s) {
        if (s.result().lastSeq() <= durableSeq) {
            s.append().durable.complete(s.result());
            return;
        }
        unsynced.add(s);
        if (s.append().durableAck) {
            durableWaiters++;
        }
    }

    boolean hasUnsynced() {
        return !unsynced.isEmpty() || unsyncedBytes > 0;
    }

    /**
     * Durable acks wait, and few enough bytes are unsynced, in small enough appends, for the writer to
     * fsync them itself.
     */
    boolean writerSyncs() {
        return durableWaiters > 0 && unsyncedBytes < config.flushBytes()
                && unsyncedBytes < durableWaiters * LARGE_APPEND_BYTES;
    }

    /** Neither the group being written nor the last fsync's had company: one client writes alone. */
    boolean writingAlone() {
        return unsynced.size() < 2 && lastGroup < 2;
    }

    /** The flush interval has passed with bytes unsynced. */
    boolean flushDue() {
        return hasUnsynced() && ticker.nanos() - flushDeadline >= 0;
    }

    /** An fsync should start on the syncer thread: someone waits, or the bytes or the interval say so. */
    boolean backgroundDue() {
        return durableWaiters > 0 || unsyncedBytes >= config.flushBytes() || flushDue();
    }

    boolean backgroundDone() {
        return background != null && background.isDone();
    }

    /** How long the writer may wait for appends before the next flush is due. */
    long nanosToFlush() {
        if (backgroundDone()) {
            return 0;
        }
        if (hasUnsynced() && background == null) {
            return Math.max(0, flushDeadline - ticker.nanos());
        }
        return TimeUnit.MILLISECONDS.toNanos(100);
    }

    /** fsyncs on the writer thread; the appends waiting are acked as soon as it returns. */
    void syncOnWriter(ActiveSegment active, long writtenSeq) throws IOException {
        long start = ticker.nanos();
        active.sync(active.size(), pathCheckDue());
        stats.fsync(ticker.nanos() - start);
        markAllDurable(active, writtenSeq);
    }

    /**
     * Hands the flush that nobody waits on to the syncer thread, one at a time. While one runs, the next
     * waits for it to return (its wake-up brings the writer back) and the writer goes on writing, unless
     * {@link #AHEAD_OF_DISK_BYTES} (or {@code flushBytes}, if more) are unsynced: then the disk is behind
     * and the writer waits for it, which bounds what a hung disk can leave unsynced.
     *
     * @return false when the running background fsync had to be waited for and failed
     */
    boolean syncInBackground(ActiveSegment active, long writtenSeq, Runnable wake, FsyncFailure onFailure) {
        // A background fsync that has returned is settled here, not left for the writer's next wake-up: its
        // wake-up may already have been taken from the queue with a group of appends, and the appends
        // waiting durable would then wait out the writer's idle timeout (100 ms) for the next fsync.
        if (background != null && !background.isDone()
                && unsyncedBytes < Math.max(config.flushBytes(), AHEAD_OF_DISK_BYTES)) {
            return true;
        }
        if (!settled(onFailure)) {
            return false;
        }
        if (!hasUnsynced()) {
            return true;
        }
        syncing.addAll(unsynced);
        unsynced.clear();
        unsyncedBytes = 0;
        durableWaiters = 0;
        background = new BackgroundSync(active, writtenSeq, pathCheckDue(), syncer, ticker, wake);
        return true;
    }

    /** What the writer does with a failed fsync. */
    @FunctionalInterface
    interface FsyncFailure {
        void failed(IOException e);
    }

    /** {@link #settle}, its failure handed to {@code onFailure}; false when it failed. */
    boolean settled(FsyncFailure onFailure) {
        IOException failure = settle();
        if (failure == null) {
            return true;
        }
        onFailure.failed(failure);
        return false;
    }

    /**
     * Waits for the background fsync, if one runs, and takes its outcome: the appends it covered become
     * durable; if it failed, they count as unsynced again and its error is returned.
     */
    IOException settle() {
        BackgroundSync b = background;
        if (b == null) {
            return null;
        }
        background = null;
        try {
            stats.fsync(b.await());
        } catch (IOException e) {
            while (!syncing.isEmpty()) {
                unsynced.addFirst(syncing.removeLast());
            }
            return e;
        }
        markDurable(b.size, b.seq, syncing);
        return null;
    }

    /** After an fsync of everything written (or a seal, which syncs it). */
    void markAllDurable(ActiveSegment active, long writtenSeq) {
        markDurable(active.size(), writtenSeq, unsynced);
        durableWaiters = 0;
        unsyncedBytes = 0;
    }

    private void markDurable(long segmentBytesSynced, long seq, Collection<Staged> covered) {
        syncedSize = segmentBytesSynced;
        durableSeq = seq;
        lastGroup = covered.size();
        for (Staged s : covered) {
            s.append().durable.complete(s.result());
        }
        covered.clear();
        for (LogListener l : listeners) {
            l.durable(seq);
        }
    }

    /** An fsync failed: nothing written since the last one that returned is durable, nor will be. */
    void failUnsynced(IOException e) {
        AppendException failure = new AppendException(AppendException.Reason.UNAVAILABLE,
                "fsync failed (" + e.getMessage() + "); the append is not durable", -1, e);
        for (Staged s : unsynced) {
            s.append().durable.completeExceptionally(failure);
        }
        unsynced.clear();
        durableWaiters = 0;
        unsyncedBytes = 0;
    }

    /** The writer stopped on an unexpected error: every durable ack still waiting fails. */
    void failAll(AppendException e) {
        for (Staged s : unsynced) {
            s.append().durable.completeExceptionally(e);
        }
        for (Staged s : syncing) {
            s.append().durable.completeExceptionally(e);
        }
        unsynced.clear();
        syncing.clear();
    }

    void shutdown() {
        syncer.shutdown();
    }
}
