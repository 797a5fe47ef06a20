package afterme.daemon.http;

import afterme.daemon.log.Ticker;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A token bucket per connection: a client that pipelines requests faster than {@code perSecond} (after
 * a burst of {@code burst}) gets 429 instead of the server's undivided attention. The bucket lives in
 * the connection's attributes, so it goes away with the connection.
 */
public final class ConnectionRateLimit extends Handler.Wrapper {
    private static final String ATTRIBUTE = ConnectionRateLimit.class.getName();

    private final double perSecond;
    private final double burst;
    private final HttpStats stats;

    public ConnectionRateLimit(double perSecond, double burst, HttpStats stats, Handler next) {
        super(next);
        this.perSecond = perSecond;
        this.burst = burst;
        this.stats = stats;
    }

    /**
     * One connection's tokens: {@code burst} at first, one more every {@code 1 / perSecond} seconds up to
     * {@code burst}, one taken per request. Kept as the time at which the bucket is full again, in whole
     * nanoseconds (the generic cell rate algorithm), so that refills add up exactly; in fractions of a
     * token, 9 ms and then 1 ms at 100 requests/s add up to 0.9999999 of one. A connection handles one
     * request at a time, but guard anyway.
     */
    static final class Bucket {
        private final long nanosPerToken;
        private final long burstNanos;
        private final Ticker ticker;
        /** When the bucket is full again if no request takes a token before. */
        private long fullAt;

        Bucket(double perSecond, double burst, Ticker ticker) {
            this.nanosPerToken = Math.max(1, Math.round(1e9 / perSecond));
            this.burstNanos = Math.round(burst * nanosPerToken);
            this.ticker = ticker;
            this.fullAt = ticker.nanos();
        }

        /** Takes a token; false when none is left. */
        synchronized boolean take() {
            long now = ticker.nanos();
            // Compared by difference: the ticker's origin is arbitrary, so its values may wrap around.
            long next = (fullAt - now > 0 ? fullAt : now) + nanosPerToken;
            if (next - now > burstNanos) {
                return false;
            }
            fullAt = next;
            return true;
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        var connection = request.getConnectionMetaData();
        Bucket bucket = (Bucket) connection.getAttribute(ATTRIBUTE);
        if (bucket == null) {
            bucket = new Bucket(perSecond, burst, Ticker.SYSTEM);
            connection.setAttribute(ATTRIBUTE, bucket);
        }
        if (!bucket.take()) {
            response.getHeaders().put("Retry-After", "1");
            stats.count(429);
            Replies.refuse(request, response, callback, 429, "too_many_requests",
                    "more than " + (long) perSecond + " requests/s on one connection; slow down or open another");
            return true;
        }
        return super.handle(request, response, callback);
    }
}
