package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.format.SegmentNames;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Subscriptions over WebSocket and SSE: catch-up from disk, live records, durability order, slow readers. */
class SubscribeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void webSocketCatchesUpThenGoesLiveAndNeverShowsARecordBeforeItIsDurable() throws Exception {
        WebSocketClient client = new WebSocketClient();
        client.start();
        try (Daemon d = TestDaemon.start(dir)) {
            for (int i = 1; i <= 50; i++) {
                TestDaemon.post(d, "/v1/records", "{\"n\":" + i + "}");
            }
            Collector listener = new Collector();
            LinkedBlockingQueue<String> messages = listener.messages;
            URI ws = URI.create(d.uri().toString().replace("http", "ws") + "/v1/subscribe?from=1");
            Session session = client.connect(listener, ws).get(10, TimeUnit.SECONDS);
            for (int i = 51; i <= 100; i++) {
                TestDaemon.post(d, "/v1/records", "{\"n\":" + i + "}");
            }
            long durableSeen = 0;
            long next = 1;
            while (next <= 100) {
                String m = messages.poll(30, TimeUnit.SECONDS);
                assertTrue(m != null, "no message after seq " + (next - 1));
                JsonNode msg = JSON.readTree(m);
                if (msg.get("type").asText().equals("durable")) {
                    assertTrue(msg.get("durable_seq").asLong() >= durableSeen, "durable_seq went backwards");
                    durableSeen = msg.get("durable_seq").asLong();
                } else {
                    assertEquals("record", msg.get("type").asText());
                    assertEquals(next, msg.get("seq").asLong());
                    assertEquals(next, msg.get("payload").get("n").asLong());
                    assertTrue(msg.get("seq").asLong() <= durableSeen, "record " + next + " before its durable message");
                    next++;
                }
            }
            session.close();
        } finally {
            client.stop();
        }
    }

    /**
     * Subscribers write their messages in batches: a record that comes alone must still go out at the
     * end of its turn, not with the next keep-alive 15 s later.
     */
    @Test
    void aLoneLiveRecordReachesBothTransportsAtOnce() throws Exception {
        WebSocketClient client = new WebSocketClient();
        client.start();
        try (Daemon d = TestDaemon.start(dir); Socket sse = new Socket(d.uri().getHost(), d.uri().getPort())) {
            Collector listener = new Collector();
            URI ws = URI.create(d.uri().toString().replace("http", "ws") + "/v1/subscribe?records=all");
            Session session = client.connect(listener, ws).get(10, TimeUnit.SECONDS);
            sse.getOutputStream().write(("GET /v1/subscribe?records=all HTTP/1.1\r\nHost: x\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            sse.setSoTimeout(5_000);
            BufferedReader events = new BufferedReader(new InputStreamReader(sse.getInputStream(), StandardCharsets.UTF_8));
            String first = listener.messages.poll(5, TimeUnit.SECONDS);
            assertTrue(first != null && first.contains("\"durable\""), "no first durable message: " + first);

            long start = System.nanoTime();
            TestDaemon.post(d, "/v1/records", "{\"alone\":true}");
            String m = listener.messages.poll(5, TimeUnit.SECONDS);
            while (m != null && !m.contains("\"record\"")) {
                m = listener.messages.poll(5, TimeUnit.SECONDS);
            }
            assertTrue(m != null && m.contains("\"alone\""), "the WebSocket subscriber did not get the record");
            String line;
            do {
                line = events.readLine();
            } while (line != null && !line.startsWith("data: {\"type\":\"record\""));
            assertTrue(line != null && line.contains("\"alone\""), "the SSE subscriber did not get the record");
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "the record waited for a keep-alive");
            session.close();
        } finally {
            client.stop();
        }
    }

    /** Jetty calls listeners reflectively: the class must be public. */
    public static final class Collector implements Session.Listener.AutoDemanding {
        final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closeStatus = new CompletableFuture<>();

        @Override
        public void onWebSocketText(String message) {
            messages.add(message);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            closeStatus.complete(statusCode);
        }
    }

    /**
     * A record found damaged while the daemon runs is sent to no subscriber: each transport is told why its
     * stream ends, as a read of it is, and the WebSocket is closed as a server error.
     */
    @Test
    void aRecordDamagedWhileTheDaemonRunsEndsEachTransportWithCorruptLog() throws Exception {
        WebSocketClient client = new WebSocketClient();
        client.start();
        try (Daemon d = TestDaemon.start(dir)) {
            for (int i = 1; i <= 3; i++) {
                TestDaemon.post(d, "/v1/records?ack=durable", "{\"n\":" + i + ",\"pad\":\"" + "p".repeat(100) + "\"}");
            }
            Damage.flipInRecord(dir.resolve(SegmentNames.name(1)), 1);
            Collector listener = new Collector();
            client.connect(listener, URI.create(d.uri().toString().replace("http", "ws") + "/v1/subscribe?from=1"))
                    .get(10, TimeUnit.SECONDS);
            List<String> types = new ArrayList<>();
            JsonNode last = null;
            while (types.isEmpty() || !types.get(types.size() - 1).equals("error")) {
                String m = listener.messages.poll(10, TimeUnit.SECONDS);
                assertTrue(m != null, "no error message after " + types);
                last = JSON.readTree(m);
                types.add(last.get("type").asText() + (last.has("seq") ? " " + last.get("seq").asLong() : ""));
            }
            assertEquals(List.of("durable", "record 1", "error"), types);
            assertEquals("corrupt_log", last.get("error").asText());
            assertTrue(last.get("message").asText().contains("seq 2: bad_checksum"), last.toString());
            assertEquals(1011, listener.closeStatus.get(10, TimeUnit.SECONDS));

            try (Socket sse = new Socket(d.uri().getHost(), d.uri().getPort())) {
                sse.getOutputStream().write(("GET /v1/subscribe?from=1 HTTP/1.1\r\nHost: x\r\n"
                        + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                sse.setSoTimeout(10_000);
                BufferedReader events = new BufferedReader(new InputStreamReader(sse.getInputStream(),
                        StandardCharsets.UTF_8));
                List<String> sent = new ArrayList<>();
                String line = events.readLine();
                while (line != null && !line.startsWith("data: {\"type\":\"error\"")) {
                    if (line.startsWith("event: ")) {
                        sent.add(line);
                    }
                    line = events.readLine();
                }
                assertEquals(List.of("event: durable", "event: record", "event: error"), sent);
                assertEquals("corrupt_log", JSON.readTree(line.substring("data: ".length())).get("error").asText());
            }
        } finally {
            client.stop();
        }
    }

    @Test
    void aStalledSubscriberNeitherBuffersNorSlowsAppendsAndCatchesUpWithoutAGap() throws Exception {
        int records = 100_000;
        try (Daemon d = TestDaemon.start(dir); Socket socket = new Socket(d.uri().getHost(), d.uri().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/subscribe?from=1&records=all HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The subscriber reads nothing while 100,000 records are appended.
            Runtime rt = Runtime.getRuntime();
            System.gc();
            long before = rt.totalMemory() - rt.freeMemory();
            List<byte[]> batch = new ArrayList<>();
            for (int i = 1; i <= records; i++) {
                batch.add(("{\"n\":" + i + ",\"pad\":\"" + "p".repeat(100) + "\"}").getBytes(StandardCharsets.UTF_8));
                if (batch.size() == 1000) {
                    d.log().submit(Append.of(batch, null, null, -1, Ack.MEMORY)).written.get();
                    batch.clear();
                }
            }
            System.gc();
            long after = rt.totalMemory() - rt.freeMemory();
            assertTrue(after - before < 64L << 20, "heap grew by " + ((after - before) >> 20) + " MiB for a stalled "
                    + "subscriber of ~15 MiB of records");
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            long expected = 1;
            for (String line = in.readLine(); line != null && expected <= records; line = in.readLine()) {
                if (line.startsWith("id: ")) {
                    assertEquals(expected, Long.parseLong(line.substring(4)), "a gap in the catch-up");
                    expected++;
                }
            }
            assertEquals(records + 1, expected);
        }
    }

    @Test
    void shutdownEndsAStreamCleanlyInTheMiddleOfACatchUp() throws Exception {
        Daemon d = TestDaemon.start(dir);
        try (Socket socket = new Socket(d.uri().getHost(), d.uri().getPort())) {
            List<byte[]> batch = new ArrayList<>();
            for (int i = 1; i <= 20_000; i++) {
                batch.add(("{\"n\":" + i + ",\"pad\":\"" + "p".repeat(1000) + "\"}").getBytes(StandardCharsets.UTF_8));
                if (batch.size() == 1000) {
                    d.log().submit(Append.of(batch, null, null, -1, Ack.MEMORY)).written.get();
                    batch.clear();
                }
            }
            socket.getOutputStream().write(("GET /v1/subscribe?from=1&records=all HTTP/1.1\r\nHost: x\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            var in = socket.getInputStream();
            in.readNBytes(64 << 10);
            // The subscriber is writing its catch-up when the daemon stops.
            long start = System.nanoTime();
            d.close();
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "shutdown waited for a subscriber");
            byte[] rest = in.readAllBytes();
            String end = new String(rest, Math.max(0, rest.length - 5), Math.min(5, rest.length), StandardCharsets.US_ASCII);
            assertEquals("0\r\n\r\n", end, "the stream ends with its last chunk, not cut");
        } finally {
            d.close();
        }
    }
}
