package afterme.daemon.http;

import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Counts of error replies, for /metrics: every one the daemon sends, whoever sends it (an endpoint, the
 * token check, the rate limit, the HTTPS refusal, or Jetty itself through {@link JsonErrorHandler}), so that
 * a client refused for its token or its header size shows as well as one refused for its payload.
 * Thread-safe.
 */
public final class HttpStats {
    final LongAdder clientErrors = new LongAdder();
    final LongAdder serverErrors = new LongAdder();

    void count(int status) {
        if (status >= 500) {
            serverErrors.increment();
        } else if (status >= 400) {
            clientErrors.increment();
        }
    }

    /** {@code next}, with the status of each reply it completes counted. */
    public Handler counting(Handler next) {
        return new Handler.Wrapper(next) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                return super.handle(request, response, Callback.from(callback, () -> count(response.getStatus())));
            }
        };
    }
}
