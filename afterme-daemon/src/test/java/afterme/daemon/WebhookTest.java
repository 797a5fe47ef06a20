package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.webhook.Webhooks;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks: a receiver that fails its first attempts still ends up with the latest durable_seq, and one
 * that hangs holds nothing back.
 */
class WebhookTest {
    @TempDir
    Path dir;

    @Test
    void failingReceiverGetsTheLatestDurableSeqAfterRetries() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        List<String> delivered = new CopyOnWriteArrayList<>();
        List<String> headers = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = attempts.incrementAndGet() <= 3 ? 500 : 200;
            if (status == 200) {
                delivered.add(body);
            }
            // A plain POST of JSON that any receiver takes: no HTTP/2 upgrade asked for.
            headers.add(exchange.getRequestMethod() + " " + exchange.getRequestHeaders().getFirst("Content-Type") + " "
                    + exchange.getRequestHeaders().getFirst("User-Agent") + " "
                    + exchange.getRequestHeaders().containsKey("Upgrade"));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        URI hook = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        try (SaidLines said = SaidLines.of(Webhooks.class);
             Daemon d = TestDaemon.start(dir, null, List.of(hook))) {
            for (int i = 0; i < 20; i++) {
                TestDaemon.post(d, "/v1/records?ack=durable", "{\"i\":" + i + "}");
            }
            String expected = "\"durable_seq\":20}";
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (delivered.stream().noneMatch(b -> b.endsWith(expected)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(delivered.stream().anyMatch(b -> b.endsWith(expected)
                    && b.contains("\"log_id\":\"" + d.log().logId() + "\"")), "delivered: " + delivered);
            assertTrue(attempts.get() > 3, "the first three attempts failed and were retried");
            assertEquals(List.of("POST application/json afterme false"), headers.stream().distinct().toList());
            // The daemon counts a delivery when the receiver's reply reaches it, just after the receiver
            // has recorded it.
            String deliveries = "\nafterme_webhook_deliveries_total " + delivered.size() + "\n";
            String metrics = metrics(d);
            while (!metrics.contains(deliveries) && System.nanoTime() < deadline) {
                Thread.sleep(20);
                metrics = metrics(d);
            }
            assertTrue(metrics.contains(deliveries), metrics);
            assertTrue(metrics.contains("\nafterme_webhook_failures_total 3\n"), metrics);
            // Three failures for one reason are one line, and the recovery another.
            List<String> lines = said.lines();
            assertEquals(2, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("WARNING webhook " + hook + " failed (1 attempt(s) in a row): it answered"
                    + " 500"), lines.toString());
            assertTrue(lines.get(1).startsWith("INFO webhook " + hook + " delivered again")
                    && lines.get(1).endsWith("after 3 failed attempt(s)"), lines.toString());
        } finally {
            receiver.stop(0);
        }
    }

    /**
     * A receiver that takes the connection and never answers: durable appends go on being acknowledged
     * (were the writer waiting on the hook, they would hang until the timeout), and the daemon closes.
     */
    @Test
    @Timeout(60)
    void aHookThatNeverAnswersDoesNotHoldAppendsBack() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ExecutorService receiverThreads = Executors.newCachedThreadPool();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(receiverThreads);
        receiver.createContext("/hook", exchange -> {
            calls.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        receiver.start();
        URI hook = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        try (Daemon d = TestDaemon.start(dir, null, List.of(hook))) {
            for (int i = 0; i < 200; i++) {
                HttpResponse<String> r = TestDaemon.post(d, "/v1/records?ack=durable", "{\"i\":" + i + "}");
                assertTrue(r.body().contains("\"durable\":true"), r.body());
            }
            assertTrue(calls.get() >= 1, "the hook was called, and hangs");
        } finally {
            release.countDown();
            receiver.stop(0);
            receiverThreads.shutdown();
        }
    }

    private static String metrics(Daemon d) throws Exception {
        return TestDaemon.CLIENT.send(HttpRequest.newBuilder(d.uri().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
