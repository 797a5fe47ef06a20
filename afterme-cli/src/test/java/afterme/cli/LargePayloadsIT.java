package afterme.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.LogCursor;
import afterme.format.LogRecord;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Payloads as large as the limits allow, in a JVM whose direct memory holds such a payload once but not
 * twice: they are written, or refused alone, and the log writer goes on for everyone else.
 */
class LargePayloadsIT {
    private static final int MB = 1_000_000;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    private HttpResponse<String> post(ServeProcess serve, String path, HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(serve.uri.resolve(path)).POST(body)
                .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void payloadsLargerThanHalfTheDirectMemoryAreWrittenOrRefusedAloneAndTheWriterGoesOn() throws Exception {
        byte[] large = new byte[40 * MB];
        new Random(1).nextBytes(large);
        byte[] chunked = new byte[40 * MB];
        new Random(2).nextBytes(chunked);
        StringBuilder lines = new StringBuilder();
        String line = "{\"pad\":\"" + "x".repeat(MB) + "\"}\n";
        for (int i = 0; i < 40; i++) {
            lines.append(line);
        }
        Path dir = tmp.resolve("data");
        try (ServeProcess serve = new ServeProcess(dir, Map.of("JAVA_TOOL_OPTIONS", "-XX:MaxDirectMemorySize=48m"),
                "--max-payload", "64MiB", "--max-batch", "64MiB")) {
            // Read into 40 MB of pooled pieces, and written from them: a copy for the writer would not fit.
            HttpResponse<String> r = post(serve, "/v1/records?ack=durable", HttpRequest.BodyPublishers.ofByteArray(large));
            assertEquals(200, r.statusCode(), r.body() + "\n" + serve.stderr());
            // Sent chunked, of no announced length: read into pieces too, not into the heap.
            r = post(serve, "/v1/records?ack=durable",
                    HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(chunked)));
            assertEquals(200, r.statusCode(), r.body() + "\n" + serve.stderr());
            // A batch is held on the heap and encoded by the writer: 40 MB more of direct memory do not fit
            // beside the pieces kept for the next bodies, and that batch alone is refused.
            r = http.send(HttpRequest.newBuilder(serve.uri.resolve("/v1/records/batch?ack=durable"))
                    .POST(HttpRequest.BodyPublishers.ofString(lines.toString()))
                    .header("Content-Type", "application/x-ndjson").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(r.body().contains("MaxDirectMemorySize"), r.body());
            r = post(serve, "/v1/records?ack=durable", HttpRequest.BodyPublishers.ofString("after"));
            assertEquals(200, r.statusCode(), "the writer goes on: " + r.body() + "\n" + serve.stderr());
            assertEquals(0, serve.terminate());
        }
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            assertArrayEquals(large, c.next().payload());
            assertArrayEquals(chunked, c.next().payload());
            LogRecord last = c.next();
            assertEquals("after", new String(last.payload(), StandardCharsets.UTF_8));
            assertEquals(null, c.next());
        }
    }

    @Test
    void aBatchTheHeapCannotHoldIsRefusedAloneAndTheDaemonGoesOn() throws Exception {
        byte[] line = ("{\"pad\":\"" + "x".repeat(MB) + "\"}\n").getBytes(StandardCharsets.US_ASCII);
        byte[] batch = new byte[100 * line.length];
        for (int i = 0; i < 100; i++) {
            System.arraycopy(line, 0, batch, i * line.length, line.length);
        }
        Path dir = tmp.resolve("data");
        try (ServeProcess serve = new ServeProcess(dir, Map.of("JAVA_TOOL_OPTIONS", "-Xmx64m"),
                "--max-batch", "256MiB")) {
            assertTrue(serve.stderr().contains("warning: --max-batch 256 MiB is more than half the JVM's heap (64 MiB)"),
                    serve.stderr());
            for (boolean chunked : new boolean[] {true, false}) {
                String reply = RawHttp.post(serve.uri, "/v1/records/batch?ack=durable", "application/x-ndjson", batch,
                        chunked);
                assertTrue(reply.startsWith("HTTP/1.1 503"), (chunked ? "chunked: " : "") + reply + serve.stderr());
                assertTrue(reply.contains("-Xmx"), reply);
            }
            HttpResponse<String> r = post(serve, "/v1/records?ack=durable", HttpRequest.BodyPublishers.ofString("after"));
            assertEquals(200, r.statusCode(), "the daemon goes on: " + r.body() + "\n" + serve.stderr());
            assertEquals(0, serve.terminate());
        }
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            assertEquals("after", new String(c.next().payload(), StandardCharsets.UTF_8));
            assertEquals(null, c.next());
        }
    }
}
