package afterme.daemon.http;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of error replies, for /metrics: every one the daemon sends, whoever sends it (an endpoint, the
 * token check, the rate limit, the HTTPS refusal, or Jetty itself through {@link JsonErrorHandler}), so that
 * a client refused for its token or its header size shows as well as one refused for its payload. Each
 * sender counts its own: one more handler in front of all, to count them in one place, cost 100 B
 * memory-acked appends 4-5% of their rate and 3-4% more CPU each in two alternating http-ab runs.
 * Thread-safe.
 */
public final class HttpStats {
    final LongAdder clientErrors = new LongAdder();
    final LongAdder serverErrors = new LongAdder();

    public void count(int status) {
        if (status >= 500) {
            serverErrors.increment();
        } else if (status >= 400) {
            clientErrors.increment();
        }
    }
}
