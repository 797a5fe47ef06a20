package afterme.bench;

import afterme.daemon.log.PageCacheAdvice;
import afterme.format.Hashes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;

/**
 * What no server of afterme's format can skip for a body, and nothing more: its SHA-256 and CRC32C
 * (computed for what they cost, then dropped), its bytes copied into the page cache of a file, and
 * their writeback to disk started (as the daemon starts it, {@link PageCacheAdvice}: for each whole MiB
 * of the file as the bodies fill it). No fsync is waited for, no log kept, no writer thread: each request
 * takes its own range of the file, and the file is overwritten from its start once it reaches
 * {@value #WRAP_BYTES} bytes, so that it takes no more room however long the load runs. Without the
 * writeback, pages overwritten before the kernel got to them would never reach the disk, and the handler
 * would not pay for writing them; started per body rather than per MiB of the file, it would start for no
 * body under a MiB (5 s of 64 KiB or 256 KiB bodies then write nothing to the disk, /proc/diskstats).
 */
final class HashingWrite {
    private static final long WRAP_BYTES = 1L << 30;

    private final Path file;
    private final FileChannel channel;
    private final AtomicLong next = new AtomicLong();
    /** Guarded by this; started again from the file's start when the bodies wrap round to it. */
    private PageCacheAdvice writeback;
    private long writebackEnd;

    HashingWrite(Path file) throws IOException {
        this.file = file;
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    /** Hashes and writes the body of {@code request} chunk by chunk as it arrives, then completes {@code done}. */
    void read(Request request, Callback done) {
        long length = request.getLength();
        if (length < 0) {
            done.failed(new IOException("the hashing handler takes only bodies with a Content-Length"));
            return;
        }
        long end = next.updateAndGet(n -> n + length > WRAP_BYTES ? length : n + length);
        Content.copy(request, new Body(end - length), done);
    }

    /**
     * A body now ends at {@code end}: writeback starts for the whole MiBs of the file up to there. Bodies
     * end out of order, and an end below one already seen is left to the next; one far below it is the
     * first of a new round from the file's start.
     */
    private synchronized void written(long end) {
        if (writeback == null || end < writebackEnd - WRAP_BYTES / 2) {
            if (writeback != null) {
                writeback.close();
            }
            writeback = PageCacheAdvice.of(file, 0);
            writebackEnd = 0;
        }
        writebackEnd = Math.max(writebackEnd, end);
        writeback.written(writebackEnd);
    }

    /** One body's hashes and place in the file. */
    private final class Body implements Content.Sink {
        private final MessageDigest sha256 = Hashes.newSha256();
        private final CRC32C crc = new CRC32C();
        private long at;

        Body(long start) {
            this.at = start;
        }

        @Override
        public void write(boolean last, ByteBuffer bytes, Callback callback) {
            sha256.update(bytes.duplicate());
            crc.update(bytes.duplicate());
            try {
                while (bytes.hasRemaining()) {
                    at += channel.write(bytes, at);
                }
            } catch (IOException e) {
                callback.failed(e);
                return;
            }
            if (last) {
                written(at);
                sha256.digest();
            }
            callback.succeeded();
        }
    }
}
