package afterme.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.LogCursor;
import afterme.format.LogRecord;
import afterme.format.Segments;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon as a process: lifecycle, locks, signals, and the tools running beside it. */
class ServeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    private HttpResponse<String> post(ServeProcess serve, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(serve.uri.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void secondDaemonAndRecoverAreRefusedWhileTheLockIsHeld() throws Exception {
        Path dir = tmp.resolve("data");
        try (ServeProcess serve = new ServeProcess(dir)) {
            Proc.Result second = Proc.run("serve", "--data", dir.toString(), "--listen", "127.0.0.1:0");
            assertEquals(3, second.exit(), second.toString());
            assertTrue(second.stderr().contains("locked by another afterme process"), second.stderr());
            Proc.Result recover = Proc.run("recover", dir.toString(), "--yes");
            assertEquals(3, recover.exit(), recover.toString());
            Proc.Result verify = Proc.run("verify", dir.toString());
            assertEquals(0, verify.exit(), "verify is safe while the daemon runs: " + verify);
            assertEquals(0, serve.terminate(), serve.stderr());
        }
    }

    /**
     * A JVM that sees one CPU, as in a container limited to one: the daemon starts, answers appends while a
     * subscriber holds its stream open, and stops cleanly.
     */
    @Test
    void servesOnOneCpu() throws Exception {
        Path dir = tmp.resolve("data");
        try (ServeProcess serve = new ServeProcess(dir, Map.of("JAVA_TOOL_OPTIONS", "-XX:ActiveProcessorCount=1"))) {
            HttpRequest subscribe = HttpRequest.newBuilder(serve.uri.resolve("/v1/subscribe?from=1"))
                    .header("Accept", "text/event-stream").build();
            try (var lines = http.send(subscribe, HttpResponse.BodyHandlers.ofLines()).body()) {
                for (int i = 1; i <= 3; i++) {
                    HttpResponse<String> r = post(serve, "/v1/records?ack=durable", "{\"n\":" + i + "}");
                    assertEquals(200, r.statusCode(), r.body() + "\n" + serve.stderr());
                    assertEquals(i, JSON.readTree(r.body()).get("seq").asInt());
                }
                assertTrue(lines.anyMatch(line -> line.contains("\"durable_seq\":3")), "the subscriber saw them durable");
            }
            assertEquals(0, serve.terminate(), serve.stderr());
        }
        Proc.Result verify = Proc.run("verify", dir.toString());
        assertEquals(0, verify.exit(), verify.toString());
    }

    /**
     * Tokens, right or wrong, in the right header or a mangled one, reach neither the daemon's output nor
     * any reply, not even the replies that refuse them.
     */
    @Test
    void tokensAppearNeitherInTheOutputNorInReplies() throws Exception {
        Path tokens = tmp.resolve("tokens");
        Files.writeString(tokens, "secret-writer-7f3a append\nsecret-reader-91bc read\n");
        List<String> secrets = List.of("secret-writer-7f3a", "secret-reader-91bc", "guessed-secret-55e1");
        StringBuilder replies = new StringBuilder();
        try (ServeProcess serve = new ServeProcess(tmp.resolve("data"), "--token-file", tokens.toString())) {
            for (String authorization : List.of("Bearer secret-writer-7f3a", "Bearer secret-reader-91bc",
                    "Bearer guessed-secret-55e1", "bearer  guessed-secret-55e1", "Basic guessed-secret-55e1",
                    "guessed-secret-55e1")) {
                for (String path : List.of("/v1/records", "/v1/records/batch")) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(serve.uri.resolve(path))
                            .header("Authorization", authorization)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    replies.append(r.statusCode()).append(' ').append(r.headers().map()).append(' ').append(r.body())
                            .append('\n');
                }
            }
            // afterme append says what a 401 wants, which the JDK's client does not let it read from the reply.
            Proc.Result none = Proc.runWithInput("x".getBytes(StandardCharsets.UTF_8), "append", "--url",
                    serve.uri.toString());
            assertEquals(1, none.exit(), none.toString());
            assertTrue(none.stderr().contains("401 the daemon wants a token: give --token-file FILE, or set"
                    + " AFTERME_TOKEN_FILE"), none.stderr());
            Path guessed = Files.writeString(tmp.resolve("guessed"), "guessed-secret-55e1\n");
            Proc.Result unknown = Proc.runWithInput("x".getBytes(StandardCharsets.UTF_8), "append", "--url",
                    serve.uri.toString(), "--token-file", guessed.toString());
            assertEquals(1, unknown.exit(), unknown.toString());
            assertTrue(unknown.stderr().contains("401 the daemon does not know the token in " + guessed),
                    unknown.stderr());
            assertEquals(0, serve.terminate(), serve.stderr());
            for (String secret : secrets) {
                assertFalse(serve.stderr().contains(secret), "output: " + serve.stderr());
                assertFalse(replies.toString().contains(secret), "replies: " + replies);
            }
            assertTrue(replies.toString().startsWith("200 "), "the writer's token appends: " + replies);
            assertTrue(replies.toString().contains("401 ") && replies.toString().contains("403 "), replies.toString());
        }
    }

    @Test
    void sigtermFinishesAcceptedRequestsAndEveryDurableAckSurvives() throws Exception {
        Path dir = tmp.resolve("data");
        Map<Long, String> acked = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try (ServeProcess serve = new ServeProcess(dir, "--segment-size", "64KiB")) {
            for (int c = 0; c < 16; c++) {
                int id = c;
                clients.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String payload = "{\"client\":" + id + ",\"i\":" + i + "}";
                        try {
                            HttpResponse<String> r = post(serve, "/v1/records?ack=durable", payload);
                            if (r.statusCode() == 200) {
                                JsonNode reply = JSON.readTree(r.body());
                                assertTrue(reply.get("durable").asBoolean());
                                acked.put(reply.get("seq").asLong(), payload);
                            }
                        } catch (Exception e) {
                            return null;
                        }
                    }
                    return null;
                });
            }
            while (acked.size() < 500) {
                Thread.sleep(10);
            }
            assertEquals(0, serve.terminate(), serve.stderr());
            stop.set(true);
        } finally {
            clients.shutdown();
            clients.awaitTermination(60, TimeUnit.SECONDS);
        }
        assertEquals(0, Proc.run("verify", dir.toString()).exit());
        Map<Long, String> found = new ConcurrentHashMap<>();
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (LogRecord r = c.next(); r != null; r = c.next()) {
                found.put(r.seq(), new String(r.payload(), StandardCharsets.UTF_8));
            }
        }
        for (Map.Entry<Long, String> e : acked.entrySet()) {
            assertEquals(e.getValue(), found.get(e.getKey()), "acknowledged durable seq " + e.getKey());
        }
    }

    /**
     * Records are written into the fill that readers have already seen as zeros, and a reader can catch
     * one half-written: verify and tail, run again and again against a daemon under load, must take that
     * for the end of the log, never for damage.
     */
    @Test
    void verifyAndTailWhileTheDaemonWritesSeeNoDamage() throws Exception {
        Path dir = tmp.resolve("data");
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try (ServeProcess serve = new ServeProcess(dir, "--segment-size", "256KiB")) {
            for (int c = 0; c < 8; c++) {
                int id = c;
                clients.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String ack = i % 4 == 0 ? "durable" : "memory";
                        post(serve, "/v1/records?ack=" + ack, "{\"c\":" + id + ",\"pad\":\""
                                + "x".repeat((i * 37 + id * 101) % 3000) + "\"}");
                    }
                    return null;
                });
            }
            for (int round = 0; round < 3; round++) {
                Proc.Result verify = Proc.run("verify", dir.toString());
                assertEquals(0, verify.exit(), "round " + round + ": " + verify);
                Proc.Result tail = Proc.run("tail", dir.toString());
                assertEquals(0, tail.exit(), "round " + round + ": " + tail.stderr());
                List<String> lines = tail.lines();
                assertTrue(lines.size() > 0, "round " + round);
                for (int i = 0; i < lines.size(); i++) {
                    assertEquals(i + 1, JSON.readTree(lines.get(i)).get("seq").asLong(), "round " + round);
                }
            }
            stop.set(true);
            clients.shutdown();
            assertTrue(clients.awaitTermination(60, TimeUnit.SECONDS));
            assertTrue(Segments.list(dir).size() > 2, "the appends crossed rotations");
            assertEquals(0, serve.terminate(), serve.stderr());
        } finally {
            stop.set(true);
            clients.shutdownNow();
        }
        assertEquals(0, Proc.run("verify", dir.toString()).exit());
    }

    @Test
    void tailFollowsARunningDaemonAcrossRotation() throws Exception {
        Path dir = tmp.resolve("data");
        try (ServeProcess serve = new ServeProcess(dir, "--segment-size", "4KiB")) {
            post(serve, "/v1/records", "{\"warm\":0}");
            Process tail = new ProcessBuilder(Proc.command("tail", dir.toString(), "-f", "--output", "payload"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(tail.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    lines.add("error: " + e);
                }
            });
            reader.start();
            assertEquals("{\"warm\":0}", lines.poll(30, TimeUnit.SECONDS), "tail -f prints the last records first");
            List<Long> latenciesMs = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                String payload = "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(200) + "\"}";
                long start = System.nanoTime();
                post(serve, "/v1/records", payload);
                assertEquals(payload, lines.poll(30, TimeUnit.SECONDS));
                latenciesMs.add((System.nanoTime() - start) / 1_000_000);
            }
            tail.destroy();
            assertTrue(Segments.list(dir).size() >= 3, "the records crossed at least two rotations");
            Collections.sort(latenciesMs);
            // The median, not every sample: one slow sample on a loaded CI machine says nothing about tail.
            assertTrue(latenciesMs.get(latenciesMs.size() / 2) < 100, "median append-to-tail latency "
                    + latenciesMs.get(latenciesMs.size() / 2) + " ms, all: " + latenciesMs);
            assertEquals(0, serve.terminate());
        }
    }

    @Test
    void recoverThenVerifyThenServe() throws Exception {
        Path dir = tmp.resolve("data");
        ToolsIT.writeLog(dir, 12, 1 << 20);
        Path segment = Segments.list(dir).get(0);
        Files.write(segment, new byte[] {0x41, 0x46, 0x52, 0x31, 0, 0, 0}, StandardOpenOption.APPEND);
        assertEquals(1, Proc.run("verify", dir.toString()).exit());
        assertEquals(0, Proc.run("recover", dir.toString(), "--yes").exit());
        assertEquals(0, Proc.run("verify", dir.toString()).exit());
        try (ServeProcess serve = new ServeProcess(dir)) {
            HttpResponse<String> r = post(serve, "/v1/records?ack=durable", "{\"after\":\"recover\"}");
            assertTrue(r.body().contains("\"seq\":13"), r.body());
            assertEquals(0, serve.terminate());
        }
    }

    @Test
    void serveCutsATornTailAtStartAndSavesIt() throws Exception {
        Path dir = tmp.resolve("data");
        ToolsIT.writeLog(dir, 5, 1 << 20);
        Path segment = Segments.list(dir).get(0);
        byte[] torn = {0x41, 0x46, 0x52, 0x31, 1, 2, 3, 4, 5};
        long end = ToolsIT.writeTornRecord(segment, torn);
        byte[] before = Files.readAllBytes(segment);
        try (ServeProcess serve = new ServeProcess(dir)) {
            assertTrue(serve.stderr().contains("cut a torn tail"), serve.stderr());
            assertEquals(0, serve.terminate());
        }
        try (var files = Files.list(dir.resolve("recovered"))) {
            // The torn record and the fill after it.
            assertArrayEquals(Arrays.copyOfRange(before, (int) end, before.length),
                    Files.readAllBytes(files.findFirst().orElseThrow()));
        }
    }

    @Test
    void serveRefusesACorruptLogNamingVerifyAndRecover() throws Exception {
        Path dir = tmp.resolve("data");
        ToolsIT.writeLog(dir, 6, 1 << 20);
        ToolsIT.flip(Segments.list(dir).get(0), 200, 1);
        Proc.Result r = Proc.run("serve", "--data", dir.toString(), "--listen", "127.0.0.1:0");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.stderr().contains("afterme verify") && r.stderr().contains("afterme recover"), r.stderr());
    }

    @Test
    void recoverAsksOnATerminal() throws Exception {
        Path dir = tmp.resolve("data");
        ToolsIT.writeLog(dir, 3, 1 << 20);
        Path segment = Segments.list(dir).get(0);
        long size = ToolsIT.writeTornRecord(segment, new byte[] {1, 2, 3});
        long torn = Files.size(segment);
        // No: nothing is cut, and the exit code says, as a dry run's does, that the torn tail is still there.
        Answered no = recoverAnswering(dir, "n");
        assertEquals(1, no.exit(), no.out());
        assertTrue(no.out().contains("nothing changed"), no.out());
        assertEquals(torn, Files.size(segment));
        Answered yes = recoverAnswering(dir, "y");
        assertEquals(0, yes.exit(), yes.out());
        assertTrue(yes.out().contains("Proceed? [y/N]"), yes.out());
        assertEquals(size, Files.size(segment));
    }

    private record Answered(int exit, String out) {
    }

    private static Answered recoverAnswering(Path dir, String answer) throws Exception {
        String cmd = String.join(" ", Proc.command("recover", dir.toString()));
        // script(1) gives the command a pseudo-terminal; we answer its prompt on stdin.
        Process p = new ProcessBuilder("script", "-qec", cmd, "/dev/null").redirectErrorStream(true).start();
        StringBuilder seen = new StringBuilder();
        InputStream in = p.getInputStream();
        // Answer only once asked: a terminal drops what was typed before the program reads it.
        while (!seen.toString().contains("[y/N]")) {
            int c = in.read();
            assertTrue(c >= 0, "recover ended without asking: " + seen);
            seen.append((char) c);
        }
        p.getOutputStream().write((answer + "\r").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        String out = seen + new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return new Answered(p.waitFor(), out);
    }
}
