package afterme.daemon.http;

import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Checks {@code Authorization: Bearer <token>} before any endpoint runs: 401 without a known token,
 * 403 without the role the endpoint needs. {@code /healthz} stays open for load balancers' probes.
 */
public final class AuthHandler extends Handler.Wrapper {
    private final Tokens tokens;
    private final HttpStats stats;

    public AuthHandler(Tokens tokens, HttpStats stats, Handler next) {
        super(next);
        this.tokens = tokens;
        this.stats = stats;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        if ("/healthz".equals(path)) {
            return super.handle(request, response, callback);
        }
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        boolean bearer = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7);
        Set<Tokens.Role> roles = bearer ? tokens.rolesOf(header.substring(7).strip()) : null;
        if (roles == null) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"afterme\"");
            stats.count(401);
            Replies.refuse(request, response, callback, 401, "unauthorized",
                    bearer ? "unknown token" : "this daemon needs 'Authorization: Bearer <token>'");
            return true;
        }
        Tokens.Role needed = needed(request.getMethod(), path);
        if (!roles.contains(needed) && !roles.contains(Tokens.Role.ADMIN)) {
            stats.count(403);
            Replies.refuse(request, response, callback, 403, "forbidden", "this token lacks the '"
                    + needed.name().toLowerCase(Locale.ROOT) + "' role");
            return true;
        }
        return super.handle(request, response, callback);
    }

    private static Tokens.Role needed(String method, String path) {
        if ("/metrics".equals(path)) {
            return Tokens.Role.ADMIN;
        }
        return HttpMethod.POST.is(method) ? Tokens.Role.APPEND : Tokens.Role.READ;
    }
}
