package afterme.daemon.log;

import afterme.format.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;

/** Storage whose fsyncs of segment data wait for a permit; the header's fsync at creation passes. */
public final class GatedStorage implements Storage {
    public final Semaphore permits = new Semaphore(0);
    public final CountDownLatch blocked = new CountDownLatch(1);
    volatile boolean gated = true;
    volatile IOException failWith;

    /** Its gated fsyncs fail with an I/O error once let through. */
    public static GatedStorage failing() {
        GatedStorage s = new GatedStorage();
        s.failWith = new IOException("Input/output error");
        return s;
    }

    /** Lets every fsync through from now on. */
    public void openGate() {
        gated = false;
        permits.release(Integer.MAX_VALUE / 2);
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        return new DelegatingFileChannel(FileChannel.open(file, options)) {
            @Override
            public int write(ByteBuffer src, long position) throws IOException {
                return inner.write(src, position);
            }

            @Override
            public void force(boolean metaData) throws IOException {
                if (gated && !metaData) {
                    blocked.countDown();
                    permits.acquireUninterruptibly();
                    IOException e = failWith;
                    if (e != null) {
                        throw e;
                    }
                }
                inner.force(metaData);
            }
        };
    }

    @Override
    public void syncDirectory(Path d) throws IOException {
        Storage.DEFAULT.syncDirectory(d);
    }

    @Override
    public void delete(Path file) throws IOException {
        Storage.DEFAULT.delete(file);
    }
}
