package afterme.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.LogCursor;
import afterme.format.LogRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random moments under concurrent appends of mixed ack levels and sizes, with rotations.
 * After every crash the daemon restarts on the same directory. At the end: seqs contiguous, every
 * acknowledged record present and byte-identical (durable ones, and memory ones too, since a process
 * crash does not lose what the writer already wrote), {@code afterme verify} exits 0, and every byte
 * the restarts cut is under recovered/.
 *
 * <p>20 cycles in {@code mvn verify}; {@code -Dafterme.crash.cycles=1000} for the long run.
 */
class CrashLoopIT {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Records of a batch in {@link #killNineLeavesEveryBatchWholeOrAbsent}: 8 MiB, eight writes of the writer. */
    private static final int BATCH = 4000;

    @TempDir
    Path tmp;

    @Test
    void killNineLosesNoAcknowledgedRecord() throws Exception {
        int cycles = Integer.getInteger("afterme.crash.cycles", 20);
        Path dir = tmp.resolve("data");
        Map<Long, String> durable = new ConcurrentHashMap<>();
        Map<Long, String> memory = new ConcurrentHashMap<>();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Random random = new Random(42);
        for (int cycle = 0; cycle < cycles; cycle++) {
            try (ServeProcess serve = new ServeProcess(dir, "--segment-size", "32KiB")) {
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService clients = Executors.newFixedThreadPool(8);
                for (int c = 0; c < 8; c++) {
                    int client = c;
                    long seed = random.nextLong();
                    clients.submit(() -> appendUntilStopped(http, serve, client, seed, stop, durable, memory));
                }
                Thread.sleep(150 + random.nextInt(600));
                serve.kill();
                stop.set(true);
                clients.shutdown();
                clients.awaitTermination(60, TimeUnit.SECONDS);
            }
            if ((cycle + 1) % 100 == 0) {
                System.out.printf("crash loop: %d of %d cycles, %d acknowledged durable, %d memory so far%n",
                        cycle + 1, cycles, durable.size(), memory.size());
            }
        }
        try (ServeProcess serve = new ServeProcess(dir)) {
            assertEquals(0, serve.terminate(), serve.stderr());
        }
        Proc.Result verify = Proc.run("verify", dir.toString());
        assertEquals(0, verify.exit(), verify.toString());
        long records = 0;
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (LogRecord r = c.next(); r != null; r = c.next()) {
                records++;
                assertEquals(records, r.seq());
                String payload = new String(r.payload(), StandardCharsets.UTF_8);
                String d = durable.get(r.seq());
                String m = memory.get(r.seq());
                assertTrue(d == null || d.equals(payload), "durable seq " + r.seq() + " changed");
                assertTrue(m == null || m.equals(payload), "memory seq " + r.seq() + " changed");
            }
        }
        long lastSeq = records;
        long lostDurable = durable.keySet().stream().filter(s -> s > lastSeq).count();
        long lostMemory = memory.keySet().stream().filter(s -> s > lastSeq).count();
        long recovered;
        try (Stream<Path> files = Files.exists(dir.resolve("recovered")) ? Files.list(dir.resolve("recovered"))
                : Stream.empty()) {
            recovered = files.count();
        }
        System.out.printf("crash loop: %d kill -9 cycles, %d records in the log, %d acknowledged durable, %d "
                        + "acknowledged memory, lost durable %d, lost memory %d, %d torn tails cut and saved%n",
                cycles, records, durable.size(), memory.size(), lostDurable, lostMemory, recovered);
        assertEquals(0, lostDurable);
        assertEquals(0, lostMemory);
        assertTrue(durable.size() > cycles * 10L, "the load reached the daemon");
    }

    /**
     * kill -9 while batches of 8 MiB are being written, each in several writes: after the restarts every
     * batch in the log is whole, its 4,000 records in a row; one a kill interrupted was cut whole at start-up.
     */
    @Test
    void killNineLeavesEveryBatchWholeOrAbsent() throws Exception {
        Path dir = tmp.resolve("batches");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Random random = new Random(7);
        String pad = "x".repeat(2000);
        for (int cycle = 0; cycle < 8; cycle++) {
            try (ServeProcess serve = new ServeProcess(dir)) {
                AtomicBoolean stop = new AtomicBoolean();
                CountDownLatch answered = new CountDownLatch(1);
                ExecutorService clients = Executors.newFixedThreadPool(2);
                for (int c = 0; c < 2; c++) {
                    String client = cycle + "-" + c;
                    clients.submit(() -> {
                        for (int k = 0; !stop.get(); k++) {
                            StringBuilder body = new StringBuilder();
                            for (int i = 0; i < BATCH; i++) {
                                body.append("{\"b\":\"").append(client).append('-').append(k).append("\",\"i\":")
                                        .append(i).append(",\"pad\":\"").append(pad).append("\"}\n");
                            }
                            try {
                                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(serve.uri.resolve(
                                                "/v1/records/batch")).header("Content-Type", "application/x-ndjson")
                                        .timeout(Duration.ofSeconds(30))
                                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                                        HttpResponse.BodyHandlers.discarding());
                                if (r.statusCode() == 200) {
                                    answered.countDown();
                                }
                            } catch (Exception e) {
                                // The daemon was killed under this batch.
                                return null;
                            }
                        }
                        return null;
                    });
                }
                // A batch acknowledged in each cycle, then the kill at a random moment of the ones after it.
                assertTrue(answered.await(60, TimeUnit.SECONDS), "no batch was answered: " + serve.stderr());
                Thread.sleep(random.nextInt(600));
                serve.kill();
                stop.set(true);
                clients.shutdown();
                clients.awaitTermination(60, TimeUnit.SECONDS);
            }
        }
        try (ServeProcess serve = new ServeProcess(dir)) {
            assertEquals(0, serve.terminate(), serve.stderr());
        }
        Proc.Result verify = Proc.run("verify", dir.toString());
        assertEquals(0, verify.exit(), verify.toString());
        Map<String, Integer> batches = new LinkedHashMap<>();
        String current = null;
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (LogRecord r = c.next(); r != null; r = c.next()) {
                JsonNode record = JSON.readTree(r.payload());
                String batch = record.get("b").asText();
                assertTrue(batch.equals(current) || !batches.containsKey(batch), "batch " + batch + " is not in a row");
                assertEquals(batches.getOrDefault(batch, 0).intValue(), record.get("i").asInt(), "batch " + batch);
                batches.merge(batch, 1, Integer::sum);
                current = batch;
            }
        }
        long cut;
        try (Stream<Path> files = Files.exists(dir.resolve("recovered")) ? Files.list(dir.resolve("recovered"))
                : Stream.empty()) {
            cut = files.count();
        }
        batches.forEach((batch, records) -> assertEquals(BATCH, records.intValue(), "batch " + batch));
        assertTrue(batches.size() >= 8, "a batch acknowledged in each cycle: " + batches.size() + " batches");
        System.out.printf("kill -9 under batches: %d batches in the log, every one whole; %d cut at restart and"
                + " saved%n", batches.size(), cut);
    }

    static Void appendUntilStopped(HttpClient http, ServeProcess serve, int client, long seed,
                                           AtomicBoolean stop, Map<Long, String> durable, Map<Long, String> memory) {
        Random random = new Random(seed);
        for (int i = 0; !stop.get(); i++) {
            boolean isDurable = random.nextBoolean();
            int pad = random.nextInt(10) == 0 ? 4000 + random.nextInt(16_000) : random.nextInt(200);
            String payload = "{\"client\":" + client + ",\"seed\":" + seed + ",\"i\":" + i + ",\"pad\":\""
                    + "x".repeat(pad) + "\"}";
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(serve.uri.resolve("/v1/records?ack="
                                + (isDurable ? "durable" : "memory"))).timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    JsonNode reply = JSON.readTree(r.body());
                    (isDurable ? durable : memory).put(reply.get("seq").asLong(), payload);
                }
            } catch (Exception e) {
                // The daemon was killed under this request: it was never acknowledged.
                return null;
            }
        }
        return null;
    }
}
