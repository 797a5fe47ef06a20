package afterme.daemon.log;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The daemon's readers that follow the head of the log: live subscribers that read records, and
 * forwarders. While any follows, the writer writes large payloads through the page cache rather than past
 * it ({@link UncachedWriter}), so that these readers find the records in memory moments later instead of
 * reading them back from the disk. Thread-safe.
 */
public final class HeadFollowers {
    private final AtomicInteger count = new AtomicInteger();

    /** One follower held until closed. Closing it twice lets go of it once. */
    public interface Following extends AutoCloseable {
        @Override
        void close();
    }

    /** One more reader follows the head, until the returned handle is closed. */
    public Following follow() {
        count.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                count.decrementAndGet();
            }
        };
    }

    public int count() {
        return count.get();
    }
}
