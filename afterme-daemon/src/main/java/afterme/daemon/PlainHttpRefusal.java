package afterme.daemon;

import afterme.daemon.http.HttpStats;
import afterme.daemon.http.Replies;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * On a port that serves HTTPS, a request that came in plain HTTP gets 400 {@code https_required} naming the
 * URL to use, as nginx answers one, and goes no further: no endpoint serves it, whatever it carries.
 */
final class PlainHttpRefusal extends Handler.Wrapper {
    private final HttpStats stats;

    PlainHttpRefusal(HttpStats stats, Handler next) {
        super(next);
        this.stats = stats;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (request.isSecure()) {
            return super.handle(request, response, callback);
        }
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        String https = request.getHttpURI().asString().replaceFirst("^http:", "https:");
        stats.count(400);
        Replies.error(response, callback, 400, "https_required", "this port speaks HTTPS; send the request to "
                + https);
        return true;
    }
}
