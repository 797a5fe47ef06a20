package afterme.daemon.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;

/** Storage whose fsyncs of segment data wait for a permit; the header's fsync at creation passes. */
public final class GatedStorage extends ChannelWrappingStorage {
    public final Semaphore permits = new Semaphore(0);
    public final CountDownLatch blocked = new CountDownLatch(1);
    volatile boolean gated = true;
    volatile Exception failWith;

    /** Its gated fsyncs fail with an I/O error once let through. */
    public static GatedStorage failing() {
        GatedStorage s = new GatedStorage();
        s.failWith = new IOException("Input/output error");
        return s;
    }

    /** Its gated fsyncs throw what no I/O call should, as a bug would, once let through. */
    public static GatedStorage breaking() {
        GatedStorage s = new GatedStorage();
        s.failWith = new IllegalStateException("a bug");
        return s;
    }

    /** Lets every fsync through from now on. */
    public void openGate() {
        gated = false;
        permits.release(Integer.MAX_VALUE / 2);
    }

    @Override
    protected FileChannel wrap(FileChannel channel) {
        return new DelegatingFileChannel(channel) {
            @Override
            public void force(boolean metaData) throws IOException {
                if (gated && !metaData) {
                    blocked.countDown();
                    permits.acquireUninterruptibly();
                    Exception e = failWith;
                    if (e instanceof IOException io) {
                        throw io;
                    }
                    if (e != null) {
                        throw (RuntimeException) e;
                    }
                }
                inner.force(metaData);
            }
        };
    }
}
