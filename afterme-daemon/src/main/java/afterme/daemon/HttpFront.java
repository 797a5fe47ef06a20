package afterme.daemon;

import afterme.daemon.http.HttpStats;
import afterme.daemon.http.JsonErrorHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.DetectorConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * How {@code afterme serve} speaks HTTP: Jetty's server, its thread pool and its one connector (plain or
 * TLS), sized and configured as the daemon runs them, with whatever handler is put in front. The daemon
 * puts its API there; the benchmark's bare handler stands in its place, so that the ceiling it measures is
 * the daemon's own HTTP.
 */
public final class HttpFront {
    /**
     * Below the writer's queue ({@code LogConfig.DEFAULT_QUEUE_CAPACITY}): HTTP/1.1 serves one request of a
     * connection at a time, so an HTTP thread never waits for room in that queue.
     */
    private static final int MAX_CONNECTIONS = 10_000;
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

    final Server server;
    final ServerConnector connector;
    final QueuedThreadPool pool;
    /** Every error reply, counted by whoever sends it: the handlers, and Jetty's error handler. */
    final HttpStats stats = new HttpStats();
    /** Both null for plain HTTP. */
    private final SslContextFactory.Server ssl;
    private final Path tlsKeystore;

    /** @param tlsKeystore null for plain HTTP */
    public HttpFront(String host, int port, Path tlsKeystore, String tlsPassword) {
        pool = new QueuedThreadPool();
        pool.setName("afterme-http");
        server = new Server(pool);
        server.setErrorHandler(new JsonErrorHandler(MAX_HEADER_BYTES, stats));
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        http.setInputBufferSize(INPUT_BUFFER_BYTES);
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        this.tlsKeystore = tlsKeystore;
        if (tlsKeystore != null) {
            http.addCustomizer(new SecureRequestCustomizer(false));
            ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(tlsKeystore.toString());
            ssl.setKeyStorePassword(tlsPassword);
            HttpConnectionFactory http11 = new HttpConnectionFactory(http);
            // A client that speaks plain HTTP to this port is told to use https (PlainHttpRefusal), where TLS
            // alone would answer it with bytes it cannot read ("Received HTTP/0.9").
            connector = new ServerConnector(server,
                    new DetectorConnectionFactory(new SslConnectionFactory(ssl, http11.getProtocol())), http11);
        } else {
            ssl = null;
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
        }
        connector.setHost(host);
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        sizeThreadPool();
        server.addConnector(connector);
        server.addBean(new ConnectionLimit(MAX_CONNECTIONS, server));
    }

    /**
     * One handler thread per core, beside the connector's acceptors and selectors. No handler blocks for
     * long: bodies are read and replies written asynchronously, a body that waits for memory waits without
     * a thread, and the writer's queue holds more appends than there can be connections. More threads only
     * add hand-offs: on 2 cores, 1 KiB durable appends from 64 connections went from 6,900-13,500 to
     * 19,400-25,300 requests/s in alternating runs when 256 threads became 2 (http-ab).
     *
     * <p>Two at least: Jetty lends one of them to its reserved-thread executor and refuses to start a pool
     * that has none left, which one per core would do on one CPU (a container limited to one, say).
     */
    private void sizeThreadPool() {
        int threads = connector.getAcceptors() + connector.getSelectorManager().getSelectorCount()
                + Math.max(2, Runtime.getRuntime().availableProcessors());
        pool.setMaxThreads(threads);
        pool.setMinThreads(threads);
    }

    /**
     * Binds the port now, before anything else is done, and reads the TLS keystore: a port in use, a wrong
     * password or a keystore that is not one are told before a data directory is created for nothing.
     */
    public void bind() throws TlsKeystoreException, ListenException {
        if (ssl != null) {
            try {
                // Started here, the server finds it running and leaves it so.
                ssl.start();
            } catch (Exception e) {
                throw new TlsKeystoreException(tlsKeystore, e);
            }
        }
        try {
            connector.open();
        } catch (IOException e) {
            throw new ListenException(connector.getHost(), connector.getPort(), e);
        }
    }

    /**
     * The connector could not listen; the message says why, in words to act on, after the HOST:PORT it
     * follows. The system's reasons all arrive as one kind of exception worded as the C library likes, so
     * each is told apart by asking: whether the host has an address, whether it is one of this machine's,
     * whether something answers on the port.
     */
    public static final class ListenException extends IOException {
        ListenException(String host, int port, IOException cause) {
            super(reason(host, port, cause), cause);
        }

        private static String reason(String host, int port, IOException e) {
            InetAddress address;
            try {
                address = InetAddress.getByName(host);
            } catch (UnknownHostException unknown) {
                return "cannot be listened on: no address is known for " + host + "; check the name, or give an IP"
                        + " address";
            }
            if (!isThisMachines(address)) {
                return "cannot be listened on: " + address.getHostAddress() + " is not an address of this machine;"
                        + " give one of its own: 127.0.0.1 for it alone, 0.0.0.0 for every interface (with"
                        + " --token-file)";
            }
            if (answers(address, port)) {
                return "is already in use; stop what listens there or choose another --listen";
            }
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String why = cause.getMessage() != null ? cause.getMessage() : cause.toString();
            if (port < 1024) {
                return "cannot be listened on (" + why + "): a port below 1024 needs root or"
                        + " CAP_NET_BIND_SERVICE; choose one from 1024";
            }
            return "cannot be listened on: " + why;
        }

        private static boolean isThisMachines(InetAddress address) {
            try {
                return address.isAnyLocalAddress() || address.isLoopbackAddress()
                        || NetworkInterface.getByInetAddress(address) != null;
            } catch (SocketException e) {
                return true;
            }
        }

        private static boolean answers(InetAddress address, int port) {
            InetAddress to = address.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : address;
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(to, port), 1_000);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    /** A keystore that cannot be read with the password given. */
    public static final class TlsKeystoreException extends IOException {
        TlsKeystoreException(Path keystore, Exception cause) {
            super("cannot read the TLS keystore " + keystore + ": " + cause.getMessage()
                    + "; check --tls-keystore and --tls-password-file", cause);
        }
    }

    /** One line per request in the JDK's logging ({@link AccessLog}). */
    public void logRequests() {
        server.setRequestLog(new AccessLog());
    }

    /** Puts {@code handler} in front and starts listening. */
    public void start(Handler handler) throws Exception {
        server.setHandler(ssl == null ? handler : new PlainHttpRefusal(stats, handler));
        server.start();
    }

    /** Whether it serves HTTPS. */
    boolean tls() {
        return ssl != null;
    }

    /** The port it listens on (the one chosen, for port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** Serves until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }
}
