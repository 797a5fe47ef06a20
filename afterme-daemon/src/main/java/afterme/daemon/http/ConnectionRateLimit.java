package afterme.daemon.http;

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

    public ConnectionRateLimit(double perSecond, double burst, Handler next) {
        super(next);
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** One connection's tokens. A connection handles one request at a time, but guard anyway. */
    private static final class Bucket {
        private double tokens;
        private long refilledAt = System.nanoTime();

        Bucket(double burst) {
            tokens = burst;
        }

        synchronized boolean take(double perSecond, double burst) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * perSecond);
            refilledAt = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        var connection = request.getConnectionMetaData();
        Bucket bucket = (Bucket) connection.getAttribute(ATTRIBUTE);
        if (bucket == null) {
            bucket = new Bucket(burst);
            connection.setAttribute(ATTRIBUTE, bucket);
        }
        if (!bucket.take(perSecond, burst)) {
            response.getHeaders().put("Retry-After", "1");
            Replies.refuse(request, response, callback, 429, "too_many_requests",
                    "more than " + (long) perSecond + " requests/s on one connection; slow down or open another");
            return true;
        }
        return super.handle(request, response, callback);
    }
}
