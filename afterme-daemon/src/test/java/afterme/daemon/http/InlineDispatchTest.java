package afterme.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import afterme.daemon.Daemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.strategy.AdaptiveExecutionStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Small appends run on the thread that read them from the selector; every other request runs on an HTTP
 * thread of its own, never on that one, where waiting would hold up every connection.
 */
class InlineDispatchTest {
    /** For each request, by method and path, whether the handler ran inside the selector. */
    private final Map<String, Boolean> onSelector = new ConcurrentHashMap<>();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Server server;
    private URI uri;

    @BeforeEach
    void start() throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool();
        server = new Server(pool);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        Daemon.sizeThreadPool(pool, connector);
        server.addConnector(connector);
        Handler api = new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                onSelector.put(request.getMethod() + " " + request.getHttpURI().getPathQuery(), insideSelector());
                Content.Source.consumeAll(request, Callback.from(
                        () -> response.write(true, ByteBuffer.wrap(new byte[] {'o', 'k'}), callback), callback::failed));
                return true;
            }
        };
        server.setHandler(new InlineDispatch(pool, api));
        server.start();
        uri = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    /** Jetty runs a non-blocking task on the thread that produced it from the selector's events. */
    private static boolean insideSelector() {
        return Arrays.stream(Thread.currentThread().getStackTrace())
                .anyMatch(f -> f.getClassName().equals(AdaptiveExecutionStrategy.class.getName()));
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    @Test
    void onlySmallSingleAppendsRunOnTheThreadThatReadThem() throws Exception {
        for (int i = 0; i < 5; i++) {
            send("POST", "/v1/records?n=" + i, 1024);
            send("POST", "/v1/records?large=" + i, InlineDispatch.INLINE_BYTES + 1);
            send("POST", "/v1/records/batch?n=" + i, 100);
            send("GET", "/v1/records/" + i, -1);
            send("GET", "/v1/records?from=" + i, -1);
        }
        for (var e : onSelector.entrySet()) {
            boolean small = e.getKey().startsWith("POST /v1/records?n=");
            assertEquals(small, e.getValue(), e.getKey() + (small ? " must run" : " must not run") + " on the thread that read it");
        }
        assertEquals(25, onSelector.size());
    }

    private void send(String method, String pathQuery, long bytes) throws Exception {
        HttpRequest.BodyPublisher body = bytes < 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(new byte[(int) bytes]);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri.resolve(pathQuery)).method(method, body).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), method + " " + pathQuery);
    }
}
