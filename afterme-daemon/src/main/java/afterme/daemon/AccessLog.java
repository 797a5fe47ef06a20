package afterme.daemon;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Locale;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;

/**
 * {@code serve --access-log}: one line per request through the JDK's logging (logger {@code afterme.access}):
 * client, method, path with query, status, bytes sent and time taken.
 */
final class AccessLog implements RequestLog {
    private static final Logger LOG = System.getLogger("afterme.access");

    @Override
    public void log(Request request, Response response) {
        if (!LOG.isLoggable(Level.INFO)) {
            return;
        }
        double millis = (System.nanoTime() - request.getBeginNanoTime()) / 1e6;
        LOG.log(Level.INFO, String.format(Locale.ROOT, "%s %s %s %d %d B %.1f ms", Request.getRemoteAddr(request),
                request.getMethod(), request.getHttpURI().getPathQuery(), response.getStatus(),
                Response.getContentBytesWritten(response), millis));
    }
}
