package afterme.bench;

import afterme.daemon.log.PageCacheAdvice;
import afterme.format.Hashes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * What no server of afterme's format can skip for a body, and nothing more: its SHA-256 and CRC32C, its
 * bytes copied into the page cache of a file, and their writeback to disk started (as the daemon starts
 * it, {@link PageCacheAdvice}). No fsync is waited for, no log kept, no writer thread: each request
 * takes its own range of the file, and the file is overwritten from its start once it reaches
 * {@value #WRAP_BYTES} bytes, so that it takes no more room however long the load runs. Without the
 * writeback, pages overwritten before the kernel got to them would never reach the disk, and the
 * handler would not pay for writing them.
 */
final class HashingWrite {
    static final long WRAP_BYTES = 1L << 30;

    private final Path file;
    private final FileChannel channel;
    private final AtomicLong next = new AtomicLong();

    HashingWrite(Path file) throws IOException {
        this.file = file;
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    /** Reads, hashes and writes the body of {@code request}, chunk by chunk as it arrives, then runs {@code done}. */
    void read(Request request, Runnable done, Consumer<Throwable> failed) {
        new Body(request, done, failed).run();
    }

    private final class Body implements Runnable {
        private final Request request;
        private final Runnable done;
        private final Consumer<Throwable> failed;
        private final MessageDigest sha256 = Hashes.newSha256();
        private final CRC32C crc = new CRC32C();
        private long start;
        private long at = -1;

        Body(Request request, Runnable done, Consumer<Throwable> failed) {
            this.request = request;
            this.done = done;
            this.failed = failed;
        }

        @Override
        public void run() {
            if (request.getLength() < 0) {
                failed.accept(new IOException("the hashing handler takes only bodies with a Content-Length"));
                return;
            }
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    failed.accept(chunk.getFailure());
                    return;
                }
                try {
                    write(chunk.getByteBuffer());
                } catch (UncheckedIOException e) {
                    chunk.release();
                    failed.accept(e);
                    return;
                }
                chunk.release();
                if (chunk.isLast()) {
                    try (PageCacheAdvice pages = PageCacheAdvice.of(file, start)) {
                        pages.written(at);
                    }
                    sha256.digest();
                    done.run();
                    return;
                }
            }
        }

        private void write(ByteBuffer bytes) {
            if (at < 0) {
                long length = request.getLength();
                long from = next.getAndUpdate(n -> n + length > WRAP_BYTES ? length : n + length);
                at = from + length > WRAP_BYTES ? 0 : from;
                start = at;
            }
            sha256.update(bytes.duplicate());
            crc.update(bytes.duplicate());
            try {
                while (bytes.hasRemaining()) {
                    at += channel.write(bytes, at);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
