package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.http.Limits;
import afterme.daemon.log.Ack;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that lie, stall, flood or speak no HTTP at all: each gets a clear error or is dropped, the log
 * stays unchanged, threads and memory stay bounded, and other clients are served throughout.
 */
class HostileHttpTest {
    @TempDir
    Path dir;
    private Daemon daemon;

    @BeforeEach
    void start() throws Exception {
        daemon = TestDaemon.start(dir);
    }

    @AfterEach
    void stop() throws IOException {
        daemon.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(daemon.uri().getHost(), daemon.uri().getPort());
        s.setSoTimeout(20_000);
        return s;
    }

    /** Sends raw bytes, optionally closes the write side, and returns what came back (status line first). */
    private String exchange(byte[] request, boolean closeOutput) throws IOException {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            if (closeOutput) {
                s.shutdownOutput();
            }
            InputStream in = s.getInputStream();
            byte[] reply = in.readNBytes(4096);
            return new String(reply, StandardCharsets.ISO_8859_1);
        } catch (SocketException e) {
            return "closed: " + e.getMessage();
        }
    }

    private void restartWith(Limits limits) throws IOException {
        daemon.close();
        try {
            daemon = TestDaemon.start(dir, limits);
        } catch (Exception e) {
            throw new IOException("restarting the daemon failed", e);
        }
    }

    private static void closeAll(List<Socket> sockets) throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    private String metrics() throws Exception {
        return TestDaemon.CLIENT.send(HttpRequest.newBuilder(daemon.uri().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private void assertStillServing() throws Exception {
        assertEquals(200, TestDaemon.post(daemon, "/v1/records/batch", "{\"ok\":1}\n").statusCode());
        assertEquals(1, daemon.log().lastSeq());
    }

    @Test
    void lyingAndBrokenBodiesAppendNothing() throws Exception {
        String[] requests = {
            // Content-Length promises more than is sent, then the client goes away.
            "POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b",
            // Chunked body cut off in the middle of a chunk.
            "POST /v1/records HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
            // Chunk size that is not hex.
            "POST /v1/records HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            // Both lengths at once (request smuggling shape).
            "POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            // A batch cut off before its last line ends.
            "POST /v1/records/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"a\":1}\n{\"b\":",
            // Over --max-payload by Content-Length: refused before the body.
            "POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n",
        };
        for (String r : requests) {
            String reply = exchange(r.getBytes(StandardCharsets.ISO_8859_1), true);
            assertTrue(!reply.startsWith("HTTP/1.1 200"), "must not succeed: " + r + "\n-> " + reply);
            assertEquals(0, daemon.log().lastSeq(), "nothing appended by: " + r);
        }
        assertTrue(exchange(requests[5].getBytes(StandardCharsets.ISO_8859_1), false).startsWith("HTTP/1.1 413"));
        assertStillServing();
    }

    @Test
    void hugeHeadersAndGarbageGetErrors() throws Exception {
        String huge = "GET /v1/log HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n";
        String reply = exchange(huge.getBytes(StandardCharsets.ISO_8859_1), false);
        assertTrue(reply.startsWith("HTTP/1.1 431") || reply.startsWith("closed"), reply);
        Random random = new Random(1);
        for (int i = 0; i < 20; i++) {
            byte[] garbage = new byte[1 + random.nextInt(2000)];
            random.nextBytes(garbage);
            String r = exchange(garbage, true);
            assertTrue(r.isEmpty() || r.startsWith("HTTP/1.1 4") || r.startsWith("closed"), r);
        }
        assertEquals(0, daemon.log().lastSeq());
        assertStillServing();
    }

    /** What Jetty refuses before a handler sees it is still an error of afterme's JSON shape, not an HTML page. */
    @Test
    void requestsJettyRefusesItselfGetJsonErrors() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String[][] cases = {
            {"GET /v1/log HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", "431", "headers_too_large"},
            {"GET /v1/log?" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "414", "uri_too_long"},
            {"POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\nx", "400", "bad_request"},
            {"PUT /v1/records/%2e%2e HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "400", "bad_request"},
            {"GET /v1/log HTTP/1.1\r\n\r\n", "400", "bad_request"},
            {"GET /v1/log HTTP/3.7\r\nHost: x\r\n\r\n", "505", "http_version_not_supported"},
        };
        for (String[] c : cases) {
            String reply = exchange(c[0].getBytes(StandardCharsets.ISO_8859_1), true);
            String what = c[0].substring(0, Math.min(40, c[0].length())) + "\n-> " + reply;
            assertTrue(reply.startsWith("HTTP/1.1 " + c[1] + " "), what);
            assertTrue(reply.contains("\r\nContent-Type: application/json\r\n"), what);
            JsonNode error = json.readTree(reply.substring(reply.indexOf("\r\n\r\n") + 4));
            assertEquals(c[2], error.get("error").asText(), what);
            assertFalse(error.get("message").asText().isEmpty(), what);
        }
        String metrics = metrics();
        assertTrue(metrics.contains("\nafterme_errors_total{kind=\"http_4xx\"} 5\n")
                && metrics.contains("\nafterme_errors_total{kind=\"http_5xx\"} 1\n"), "each counted: " + metrics);
        assertEquals(0, daemon.log().lastSeq());
        assertStillServing();
    }

    /** A WebSocket upgrade refused for its query is a JSON error and counted, as any other request's. */
    @Test
    void aRefusedWebSocketUpgradeIsAJsonErrorAndCounted() throws Exception {
        for (String[] c : new String[][] {{"records=some", "bad_request"}, {"form=1", "unknown_parameter"}}) {
            String reply = exchange(("GET /v1/subscribe?" + c[0] + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), true);
            assertTrue(reply.startsWith("HTTP/1.1 400 ") && reply.contains("\"error\":\"" + c[1] + "\""), reply);
        }
        assertTrue(metrics().contains("\nafterme_errors_total{kind=\"http_4xx\"} 2\n"), metrics());
    }

    @Test
    void aPipelinedFloodOnOneConnectionIsRateLimited() throws Exception {
        int requests = 3000;
        // A low limit, so that this machine can serve a flood faster than it.
        restartWith(new Limits(1024, 1 << 20, Ack.MEMORY, 64L << 20, 500));
        try (Socket s = connect()) {
            StringBuilder flood = new StringBuilder();
            for (int i = 0; i < requests; i++) {
                flood.append("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            Thread writer = new Thread(() -> {
                try {
                    s.getOutputStream().write(flood.toString().getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the daemon may close the connection on us
                }
            });
            writer.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            int limited = 0;
            int answered = 0;
            for (String line = in.readLine(); line != null && answered < requests; line = in.readLine()) {
                if (line.startsWith("HTTP/1.1 ")) {
                    answered++;
                    limited += line.startsWith("HTTP/1.1 429") ? 1 : 0;
                }
            }
            writer.join();
            assertTrue(limited > 0, "a flood of " + requests + " pipelined requests met no limit");
            assertTrue(metrics().contains("\nafterme_errors_total{kind=\"http_4xx\"} " + limited + "\n"),
                    "each 429 counted: " + limited);
        }
        assertStillServing();
    }

    @Test
    void thousandsOfIdleAndSlowConnectionsDoNotStarveOthers() throws Exception {
        List<Socket> idle = new ArrayList<>();
        int threadsBefore = Thread.activeCount();
        try {
            for (int i = 0; i < 2000; i++) {
                Socket s = connect();
                if (i % 2 == 0) {
                    // slow loris: half a request line, then nothing
                    s.getOutputStream().write("POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Le".getBytes());
                }
                idle.add(s);
            }
            long start = System.nanoTime();
            assertStillServing();
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "served while 2,000 connections idle");
            int threads = Thread.activeCount() - threadsBefore;
            assertTrue(threads < 300, "threads grew by " + threads + " for 2,000 idle connections");
        } finally {
            closeAll(idle);
        }
    }

    @Test
    void slowUploadsBeyondTheMemoryBudgetHoldNoThreads() throws Exception {
        // Room for 8 bodies of up to 1 KiB; 400 clients announce one, send 3 bytes of it and stall.
        restartWith(new Limits(1024, 1 << 20, Ack.MEMORY, 8 << 10, Limits.DEFAULT_REQUESTS_PER_CONNECTION_SECOND));
        List<Socket> stalled = new ArrayList<>();
        int threadsBefore = Thread.activeCount();
        try {
            for (int i = 0; i < 400; i++) {
                Socket s = connect();
                s.getOutputStream().write("POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc"
                        .getBytes(StandardCharsets.US_ASCII));
                stalled.add(s);
            }
            // Each waiting upload used to block an HTTP thread for up to 30 s, and 256 of them took them all.
            long start = System.nanoTime();
            HttpResponse<String> health = TestDaemon.CLIENT.send(HttpRequest.newBuilder(daemon.uri().resolve("/healthz"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "served while 400 uploads wait for memory");
            int threads = Thread.activeCount() - threadsBefore;
            assertTrue(threads < 100, "threads grew by " + threads + " for 400 waiting uploads");
        } finally {
            closeAll(stalled);
        }
        assertStillServing();
    }

    /** An Idempotency-Key is stored as the bytes the client sent, UTF-8; bytes that are not UTF-8 are refused. */
    @Test
    void anIdempotencyKeyInUtf8IsStoredAsSentAndOneNotInUtf8IsRefused() throws Exception {
        byte[] head = "POST /v1/records?ack=durable HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nIdempotency-Key: "
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = "\r\nConnection: close\r\n\r\n{}".getBytes(StandardCharsets.ISO_8859_1);
        byte[] key = "ключ-7".getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < 2; attempt++) {
            String reply = exchange(concat(head, key, tail), false);
            assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
            assertTrue(reply.contains("\"seq\":1"), reply);
            assertEquals(attempt == 1, reply.contains("\"duplicate\":true"), reply);
        }
        assertEquals("ключ-7", daemon.log().read(1).idempotencyKey());
        String refused = exchange(concat(head, new byte[] {'k', (byte) 0xFF, (byte) 0xC3}, tail), false);
        assertTrue(refused.startsWith("HTTP/1.1 400"), refused);
        assertTrue(refused.contains("bad_idempotency_key"), refused);
        assertEquals(1, daemon.log().lastSeq(), "nothing appended");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
