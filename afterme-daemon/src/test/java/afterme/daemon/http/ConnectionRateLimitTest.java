package afterme.daemon.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConnectionRateLimitTest {
    /** Near the end of a long, so that the ticker wraps around as time passes, as nanoTime may. */
    private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - 5_000_000L);

    private ConnectionRateLimit.Bucket bucket(double perSecond, double burst) {
        return new ConnectionRateLimit.Bucket(perSecond, burst, now::get);
    }

    @Test
    void aNewConnectionGetsItsBurstAndThenNothingUntilTimePasses() {
        ConnectionRateLimit.Bucket b = bucket(100, 10);
        for (int i = 0; i < 10; i++) {
            assertTrue(b.take(), "request " + (i + 1) + " of the burst");
        }
        assertFalse(b.take(), "the eleventh request at the same instant");
    }

    @Test
    void tokensComeBackAtTheRateAndNeverPastTheBurst() {
        ConnectionRateLimit.Bucket b = bucket(100, 10);
        for (int i = 0; i < 10; i++) {
            b.take();
        }
        now.addAndGet(9_000_000L);
        assertFalse(b.take(), "9 ms at 100/s refill 0.9 of a token");
        now.addAndGet(1_000_000L);
        assertTrue(b.take(), "10 ms refill one");
        assertFalse(b.take());

        now.addAndGet(60_000_000_000L);
        for (int i = 0; i < 10; i++) {
            assertTrue(b.take(), "after a minute idle, request " + (i + 1) + " of the burst");
        }
        assertFalse(b.take(), "a minute idle refills the burst, not 6,000 tokens");
    }
}
