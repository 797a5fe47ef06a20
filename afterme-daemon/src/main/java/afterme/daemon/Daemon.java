package afterme.daemon;

import afterme.daemon.http.ApiHandler;
import afterme.daemon.http.AuthHandler;
import afterme.daemon.http.ConnectionRateLimit;
import afterme.daemon.subscribe.WebSocketSubscribe;
import afterme.daemon.http.Limits;
import afterme.daemon.http.Tokens;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.daemon.subscribe.Subscriptions;
import afterme.daemon.webhook.Webhooks;
import afterme.daemon.forward.Forwarders;
import afterme.forward.ForwarderConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
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

    /**
     * Below the writer's queue ({@link LogConfig#DEFAULT_QUEUE_CAPACITY}): HTTP/1.1 serves one request of a
     * connection at a time, so an HTTP thread never waits for room in that queue.
     */
    private static final int MAX_CONNECTIONS = 10_000;
    private static final int MAX_SUBSCRIBERS = 1_000;
    private static final long IDLE_TIMEOUT_MS = 30_000;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    /**
     * What one read from a connection takes at most. Jetty's default, 8 KiB, costs a 1 MiB body about 130
     * reads; 64 KiB, what loopback TCP hands over at once, about 20. On a virtual machine every system call
     * traps to the host: the daemon's CPU per 1 MiB append fell by about 8%, and memory-acked 1 MiB appends
     * went 10% further (http-ab). A connection holds its buffer only while bytes in it wait to be parsed or
     * read by the handler, which copies a body's chunks out as they come.
     */
    private static final int INPUT_BUFFER_BYTES = 64 * 1024;

    private final Log log;
    private final Server server;
    private final ServerConnector connector;
    private final Subscriptions subscriptions;
    private final Webhooks webhooks;
    private final Forwarders forwarders;

    private Daemon(Log log, HttpOptions options) {
        this.log = log;
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("afterme-http");
        this.server = new Server(pool);
        HttpConfiguration http = httpConfiguration();
        if (options.tlsKeystore() != null) {
            http.addCustomizer(new SecureRequestCustomizer(false));
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(options.tlsKeystore().toString());
            ssl.setKeyStorePassword(options.tlsPassword());
            this.connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
                    new HttpConnectionFactory(http));
        } else {
            this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
        }
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        sizeThreadPool(pool, connector);
        server.addConnector(connector);
        server.addBean(new ConnectionLimit(MAX_CONNECTIONS, server));
        this.subscriptions = new Subscriptions(log, MAX_SUBSCRIBERS, Duration.ofSeconds(15));
        this.webhooks = new Webhooks(log, options.webhooks());
        this.forwarders = new Forwarders(log, options.forwards(), java.time.Clock.systemUTC());
        Handler api = new ApiHandler(log, options.limits(), subscriptions, webhooks, forwarders, pool,
                server.getScheduler());
        Handler withWebSocket = WebSocketSubscribe.upgradeHandler(server, subscriptions, api);
        Handler guarded = options.tokens() == null ? withWebSocket : new AuthHandler(options.tokens(), withWebSocket);
        double rate = options.limits().requestsPerConnectionSecond();
        Handler limited = new ConnectionRateLimit(rate, Math.max(1, rate / 10), guarded);
        server.setHandler(new GracefulHandler(limited));
        server.setStopTimeout(10_000);
    }

    /**
     * One handler thread per core, beside the connector's acceptors and selectors. No handler blocks for
     * long: bodies are read and replies written asynchronously, a body that waits for memory waits without
     * a thread, and the writer's queue holds more appends than there can be connections. More threads only
     * add hand-offs: on 2 cores, 1 KiB durable appends from 64 connections went from 6,900-13,500 to
     * 19,400-25,300 requests/s in alternating runs when 256 threads became 2 (http-ab). Public so that the
     * benchmark's bare handler is sized the same.
     */
    public static void sizeThreadPool(QueuedThreadPool pool, ServerConnector connector) {
        int threads = connector.getAcceptors() + connector.getSelectorManager().getSelectorCount()
                + Runtime.getRuntime().availableProcessors();
        pool.setMaxThreads(threads);
        pool.setMinThreads(threads);
    }

    /** How the daemon speaks HTTP/1.1. Public so that the benchmark's bare handler speaks it the same way. */
    public static HttpConfiguration httpConfiguration() {
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setInputBufferSize(INPUT_BUFFER_BYTES);
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        return http;
    }

    /** Starts serving an open log; the daemon owns the log from here on and closes it. */
    public static Daemon start(Log log, HttpOptions options) throws Exception {
        Daemon d = new Daemon(log, options);
        try {
            d.server.start();
        } catch (Exception e) {
            d.close();
            throw e;
        }
        return d;
    }

    public URI uri() {
        String scheme = connector.getDefaultConnectionFactory() instanceof SslConnectionFactory ? "https" : "http";
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
