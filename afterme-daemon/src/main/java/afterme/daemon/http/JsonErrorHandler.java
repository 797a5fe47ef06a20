package afterme.daemon.http;

import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers itself, before a request reaches afterme's handlers (header fields over the
 * limit, a malformed request line or Content-Length, an ambiguous path), in the shape of every other error,
 * {@code {"error":"<code>","message":"..."}}, where Jetty would send an HTML page whatever the method.
 */
public final class JsonErrorHandler extends ErrorHandler {
    private final int maxHeaderBytes;
    private final HttpStats stats;

    /**
     * @param maxHeaderBytes the limit on a request's line and header fields, which a 431 or 414 names
     * @param stats where each reply is counted: these requests never reach the handlers that count the rest
     */
    public JsonErrorHandler(int maxHeaderBytes, HttpStats stats) {
        this.maxHeaderBytes = maxHeaderBytes;
        this.stats = stats;
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                                    Callback callback) {
        stats.count(status);
        Replies.error(response, callback, status, code(status), message(status, message));
    }

    private static String code(int status) {
        return switch (status) {
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            case 503 -> "unavailable";
            case 505 -> "http_version_not_supported";
            default -> status < 500 ? "bad_request" : "internal";
        };
    }

    private String message(int status, String reason) {
        String jetty = reason != null ? reason : HttpStatus.getMessage(status);
        return switch (status) {
            case 414 -> "the request line is over " + maxHeaderBytes + " bytes";
            case 431 -> "the request's header fields are over " + maxHeaderBytes + " bytes in all";
            case 505 -> "the daemon speaks HTTP/1.1 and HTTP/1.0: " + jetty;
            default -> status < 500 ? "the request could not be read as HTTP: " + jetty
                    : "the request failed in the HTTP server: " + jetty + "; the daemon's log has the details";
        };
    }
}
