package afterme.daemon;

import afterme.daemon.forward.Forwarders;
import afterme.daemon.http.ApiHandler;
import afterme.daemon.http.AuthHandler;
import afterme.daemon.http.ConnectionRateLimit;
import afterme.daemon.http.Limits;
import afterme.daemon.http.Tokens;
import afterme.daemon.log.Log;
import afterme.daemon.subscribe.Subscriptions;
import afterme.daemon.subscribe.WebSocketSubscribe;
import afterme.daemon.webhook.Webhooks;
import afterme.forward.ForwarderConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A running {@code afterme serve}: the log, the Jetty server in front of it, subscriptions and webhooks.
 * Started and stopped by one owner (the serve command, or a test).
 */
public final class Daemon implements AutoCloseable {
    /** How the HTTP side is set up; TLS fields are null for plain HTTP. */
    public record HttpOptions(String host, int port, Limits limits, Tokens tokens, Path tlsKeystore,
                              String tlsPassword, List<URI> webhooks, List<ForwarderConfig> forwards) {
    }

    private static final int MAX_SUBSCRIBERS = 1_000;

    private final Log log;
    private final HttpFront front;
    private final Server server;
    private final ServerConnector connector;
    private final Subscriptions subscriptions;
    private final Webhooks webhooks;
    private final Forwarders forwarders;
    private final Handler handler;

    private Daemon(Log log, HttpOptions options, HttpFront front) {
        this.log = log;
        this.front = front;
        this.server = front.server;
        this.connector = front.connector;
        QueuedThreadPool pool = front.pool;
        this.subscriptions = new Subscriptions(log, MAX_SUBSCRIBERS, Duration.ofSeconds(15));
        this.webhooks = new Webhooks(log, options.webhooks());
        this.forwarders = new Forwarders(log, options.forwards(), Clock.systemUTC());
        Handler api = new ApiHandler(log, options.limits(), subscriptions, webhooks, forwarders, front.stats, pool,
                server.getScheduler());
        Handler withWebSocket = WebSocketSubscribe.upgradeHandler(server, subscriptions, front.stats, api);
        Handler guarded = options.tokens() == null ? withWebSocket
                : new AuthHandler(options.tokens(), front.stats, withWebSocket);
        double rate = options.limits().requestsPerConnectionSecond();
        Handler limited = new ConnectionRateLimit(rate, Math.max(1, rate / 10), front.stats, guarded);
        this.handler = new GracefulHandler(limited);
        server.setStopTimeout(10_000);
    }

    /** Starts serving an open log; the daemon owns the log from here on and closes it. */
    public static Daemon start(Log log, HttpOptions options) throws Exception {
        return start(log, options, new HttpFront(options.host(), options.port(), options.tlsKeystore(),
                options.tlsPassword()));
    }

    /** Starts serving an open log behind a front already set up (and perhaps bound) by the caller. */
    public static Daemon start(Log log, HttpOptions options, HttpFront front) throws Exception {
        Daemon d = new Daemon(log, options, front);
        try {
            d.front.start(d.handler);
        } catch (Exception e) {
            d.close();
            throw e;
        }
        return d;
    }

    public URI uri() {
        String scheme = front.tls() ? "https" : "http";
        String host = connector.getHost() == null ? "0.0.0.0" : connector.getHost();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create(scheme + "://" + host + ":" + connector.getLocalPort());
    }

    public Log log() {
        return log;
    }

    /**
     * Stops accepting, lets in-flight requests finish (GracefulHandler), ends subscriptions, gives the
     * forwarders a few seconds to collect their confirms and write their checkpoints, then lets the writer
     * finish and fsync what it accepted.
     */
    @Override
    public void close() throws IOException {
        try {
            subscriptions.close();
            server.stop();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("stopping the HTTP server failed", e);
        } finally {
            webhooks.close();
            forwarders.close();
            log.close();
        }
    }
}
