package afterme.bench;

import afterme.daemon.Daemon;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The ceiling of HTTP on this machine: a Jetty 12 core handler that reads and discards the body and
 * answers a small JSON object, run as its own process exactly like the daemon, with as many threads and
 * the daemon's HTTP configuration.
 */
final class BareServer {
    private static final ByteBuffer REPLY = ByteBuffer.wrap("{\"ok\":true}\n".getBytes(StandardCharsets.UTF_8));

    static void run() throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool();
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server,
                new HttpConnectionFactory(Daemon.httpConfiguration()));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        Daemon.sizeThreadPool(pool, connector);
        server.addConnector(connector);
        // It never blocks, and saying so lets Jetty run it on the thread that read the request: 1.3 to 2
        // times the requests/s of the same handler left BLOCKING, so the higher ceiling (BENCHMARKS.md,
        // sixth session).
        server.setHandler(new Handler.Abstract(InvocationType.NON_BLOCKING) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Source.consumeAll(request, Callback.from(() -> {
                    response.getHeaders().put("Content-Type", "application/json");
                    response.write(true, REPLY.slice(), callback);
                }, callback::failed));
                return true;
            }
        });
        server.start();
        System.err.println("bare handler on http://127.0.0.1:" + connector.getLocalPort());
        server.join();
    }

    private BareServer() {
    }
}
