package afterme.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The toolkit as journalctl, kcat and curl users reach for it, through the real jar as a process: one way
 * to name the data directory, journalctl's times, tail's outputs, one-line usage errors, append and info
 * against a real daemon, the daemon's voice, the man pages, completion and the systemd unit.
 */
class ToolkitIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path log(int records) throws Exception {
        Path dir = tmp.resolve("log");
        ToolsIT.writeLog(dir, records, 1 << 20);
        return dir;
    }

    private static void assertUsageError(Proc.Result r, String command) {
        assertEquals(2, r.exit(), r.toString());
        List<String> lines = r.stderr().lines().toList();
        assertTrue(lines.size() <= 3, "a usage error is a line and where to read more, not the usage: " + r.stderr());
        assertTrue(r.stderr().contains("Try 'afterme " + command + " --help'."), r.stderr());
        assertFalse(r.stderr().contains("Usage:"), r.stderr());
    }

    @Test
    void theDataDirectoryIsNamedOneWayEverywhere() throws Exception {
        Path dir = log(8);
        String d = dir.toString();
        for (List<String> args : List.of(List.of("tail", "-d", d), List.of("tail", "--data", d), List.of("tail", d),
                List.of("dump", "-d", d), List.of("verify", "-d", d), List.of("recover", "-d", d, "--dry-run"),
                List.of("info", "-d", d))) {
            Proc.Result r = Proc.run(args.toArray(String[]::new));
            assertEquals(0, r.exit(), args + ": " + r);
        }
        Map<String, String> env = Map.of("AFTERME_DATA", d);
        for (String tool : List.of("tail", "dump", "verify", "info")) {
            Proc.Result r = Proc.runCommand(Proc.command(tool), null, env);
            assertEquals(0, r.exit(), tool + " with AFTERME_DATA: " + r);
        }
        assertEquals(8, Proc.runCommand(Proc.command("tail"), null, env).lines().size());
        assertEquals(8, Proc.runCommand(Proc.command("dump"), null, env).lines().size(), "dump defaults too");
        // A directory on the command line beats the environment.
        Proc.Result other = Proc.runCommand(Proc.command("tail", tmp.resolve("nolog").toString()), null, env);
        assertEquals(3, other.exit(), other.toString());
        assertUsageError(Proc.run("tail", d, "-d", tmp.toString()), "tail");
    }

    @ParameterizedTest(name = "--since {0}")
    @ValueSource(strings = {"2026-01-01 00:00", "2026-01-01 00:00:00", "2026-01-01T00:00:00", "2026-01-01",
            "2026-01-01T00:00:00Z", "yesterday", "today", "now", "-1h", "1h ago", "-10d"})
    void timesAsJournalctlTakesThem(String since) throws Exception {
        Path dir = log(4);
        Proc.Result r = Proc.run("tail", dir.toString(), "--since", since, "--until", "+1d");
        assertEquals(0, r.exit(), r.toString());
        Proc.Result utc = Proc.run("tail", dir.toString(), "--since", since, "--utc");
        assertEquals(0, utc.exit(), utc.toString());
    }

    @Test
    void usageErrorsAreOneLine() throws Exception {
        Path dir = log(4);
        String d = dir.toString();
        assertUsageError(Proc.run("tail", d, "--bogus"), "tail");
        assertUsageError(Proc.run("tail", d, "-n", "-5"), "tail");
        assertUsageError(Proc.run("tail", d, "--since", "today", "--until", "yesterday"), "tail");
        assertUsageError(Proc.run("tail", d, "--from", "9", "--to", "3"), "tail");
        assertUsageError(Proc.run("tail", d, "-r", "-f"), "tail");
        assertUsageError(Proc.run("tail", d, "-g", "(unclosed"), "tail");
        Proc.Result time = Proc.run("tail", d, "--since", "next tuesday");
        assertUsageError(time, "tail");
        assertTrue(time.stderr().contains("today, yesterday, now, -1h or 1h ago"), time.stderr());
        assertUsageError(Proc.run("dump", d, "--from", "9", "--to", "3"), "dump");
        // A negative seq printed the whole log (--from) or nothing with exit 0 (--to).
        assertUsageError(Proc.run("tail", d, "--from", "-5"), "tail");
        assertUsageError(Proc.run("tail", d, "--to", "-5"), "tail");
        assertUsageError(Proc.run("dump", d, "--from", "-5"), "dump");
        // Past what a long or an instant holds: a usage error, not exit 3 or "For input string".
        Proc.Result far = Proc.run("tail", d, "--since", "-99999999999999h");
        assertUsageError(far, "tail");
        assertTrue(far.stderr().contains("'-99999999999999h' is too far from now"), far.stderr());
        Proc.Result large = Proc.run("serve", "--flush-interval", "99999999999999999999ms", "--data",
                tmp.resolve("x").toString());
        assertUsageError(large, "serve");
        assertTrue(large.stderr().contains("'99999999999999999999ms' is too large"), large.stderr());
        assertUsageError(Proc.run("verify", "--nope"), "verify");
        Proc.Result none = Proc.run();
        assertEquals(2, none.exit(), none.toString());
        assertTrue(none.stderr().contains("afterme: give a command: serve, tail, dump, verify, recover, forward, append,"
                + " info"), none.stderr());
        assertUsageError(Proc.run("serve", "--log-level", "loud", "--data", tmp.resolve("x").toString()), "serve");
        // Each limit is named alone: --flush-bytes 0 was told "must not be negative".
        Proc.Result flushBytes = Proc.run("serve", "--flush-bytes", "0", "--data", tmp.resolve("x").toString());
        assertUsageError(flushBytes, "serve");
        assertTrue(flushBytes.stderr().contains("--flush-bytes must be at least 1"), flushBytes.stderr());
        Proc.Result segmentSize = Proc.run("serve", "--segment-size", "100", "--data", tmp.resolve("x").toString());
        assertUsageError(segmentSize, "serve");
        assertTrue(segmentSize.stderr().contains("--segment-size must be at least 1KiB, not 100 bytes"),
                segmentSize.stderr());
        // A file option given a directory, or a keystore that is not there, is named with its path.
        Proc.Result tokenDir = Proc.run("serve", "--token-file", tmp.toString(), "--data", tmp.resolve("x").toString());
        assertUsageError(tokenDir, "serve");
        assertTrue(tokenDir.stderr().contains("--token-file: " + tmp + " is a directory, not a file"),
                tokenDir.stderr());
        Proc.Result keystore = Proc.run("serve", "--tls-keystore", tmp.resolve("none.p12").toString(),
                "--tls-password-file", tmp.resolve("none").toString(), "--data", tmp.resolve("x").toString());
        assertUsageError(keystore, "serve");
        assertTrue(keystore.stderr().contains("--tls-keystore: " + tmp.resolve("none.p12") + " does not exist"),
                keystore.stderr());
        assertFalse(Files.exists(tmp.resolve("x")), "a usage error creates nothing");
    }

    @Test
    void tailSpeaksShortReverseGrepAndBase64() throws Exception {
        Path dir = log(12);
        String d = dir.toString();
        Proc.Result shortOut = Proc.run("tail", d, "-o", "short", "--utc");
        assertEquals(0, shortOut.exit(), shortOut.toString());
        assertEquals(12, shortOut.lines().size());
        assertTrue(shortOut.lines().get(0).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} #1 - \\{.*"),
                shortOut.lines().get(0));
        assertTrue(shortOut.lines().get(2).contains("(binary, "), shortOut.lines().get(2));
        assertTrue(shortOut.lines().get(3).endsWith("(empty)"), shortOut.lines().get(3));
        assertFalse(shortOut.out().contains("\u001b["), "no colour off a terminal");
        // --payload as -o short shows it: none leaves it out, base64 and utf8 show the binary one.
        Proc.Result noPayload = Proc.run("tail", d, "-o", "short", "--utc", "--payload", "none", "--to", "3");
        assertTrue(noPayload.lines().get(0).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} #1 -"),
                noPayload.lines().get(0));
        String inBase64 = Proc.run("tail", d, "-o", "short", "--payload", "base64", "--from", "3", "--to", "3").out();
        assertTrue(inBase64.contains(" /"), "the base64 of a payload that starts with 0xff: " + inBase64);
        String asText = Proc.run("tail", d, "-o", "short", "--payload", "utf8", "--from", "3", "--to", "3").out();
        assertFalse(asText.contains("(binary, "), asText);

        Proc.Result reversed = Proc.run("tail", d, "-r", "--lines", "3");
        assertEquals(List.of(12L, 11L, 10L), reversed.lines().stream().map(ToolsIT::readSeq).toList());
        Proc.Result all = Proc.run("tail", d, "--reverse");
        assertEquals(12, all.lines().size());
        assertEquals(12L, ToolsIT.readSeq(all.lines().get(0)));

        Proc.Result grep = Proc.run("tail", d, "-g", "OrderPlaced.*\"id\":[48]\\b");
        assertEquals(List.of(5L, 9L), grep.lines().stream().map(ToolsIT::readSeq).toList());
        // As journalctl's -n with -g and --until: the last N of the records that match, and of the range. They
        // counted back from the log's end, then filtered: nothing here.
        Proc.Result lastMatch = Proc.run("tail", d, "-g", "OrderPlaced.*\"id\":[48]\\b", "-n", "1");
        assertEquals(List.of(9L), lastMatch.lines().stream().map(ToolsIT::readSeq).toList());
        Proc.Result lastOfRange = Proc.run("tail", d, "-n", "2", "--to", "6");
        assertEquals(List.of(5L, 6L), lastOfRange.lines().stream().map(ToolsIT::readSeq).toList());

        Proc.Result b64 = Proc.run("tail", d, "-o", "payload", "--payload", "base64", "--from", "3", "--to", "3");
        byte[] binary = Base64.getDecoder().decode(b64.out().strip());
        assertEquals((byte) 0xff, binary[0], "record 3 is the binary one");
    }

    @Test
    void binaryIsNotWrittenRawToATerminalAndNoBarIsSplicedIntoRecords() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "needs script(1) for a pseudo-terminal");
        Path dir = tmp.resolve("big");
        ToolsIT.writeLog(dir, 4, 1 << 20);
        String java = Proc.javaBin() + " -jar " + Proc.JAR.toAbsolutePath();
        Proc.Result tty = Proc.runCommand(List.of("script", "-qec", java + " tail -o raw " + dir, "/dev/null"), null,
                Map.of());
        assertTrue(tty.out().contains("(a binary payload of "), tty.out());
        Proc.Result asked = Proc.runCommand(List.of("script", "-qec", java + " tail -o payload --payload base64 " + dir,
                "/dev/null"), null, Map.of());
        assertFalse(asked.out().contains("(a binary payload"), asked.out());
        // dump on a terminal: stdout and stderr are the same terminal, so no bar is drawn into the records.
        Path many = tmp.resolve("many");
        ToolsIT.writeLog(many, 6000, 1 << 20);
        Proc.Result dump = Proc.runCommand(List.of("script", "-qec", java + " dump " + many, "/dev/null"), null, Map.of());
        assertEquals(0, dump.exit(), dump.stderr());
        assertFalse(dump.out().contains("dump ["), "a progress bar spliced into the records");
        for (String line : dump.out().split("\r?\n")) {
            if (!line.isBlank()) {
                JSON.readTree(line);
            }
        }
    }

    @Test
    void appendThroughARunningDaemon() throws Exception {
        Path dir = tmp.resolve("served");
        try (ServeProcess serve = new ServeProcess(dir, "--max-payload", "1KiB")) {
            String url = "--url=" + serve.uri;
            Proc.Result first = Proc.runWithInput("{\"type\":\"OrderPlaced\"}".getBytes(StandardCharsets.UTF_8), "append",
                    url, "--ack", "durable", "--key", "order-1", "--content-type", "application/json");
            assertEquals(0, first.exit(), first.toString());
            // The hint for a payload typed at a terminal is not given to a pipe.
            assertFalse(first.stderr().contains("from the terminal"), first.stderr());
            JsonNode reply = JSON.readTree(first.out());
            assertEquals(1, reply.get("seq").asLong());
            assertTrue(reply.get("durable").asBoolean());

            Proc.Result again = Proc.runWithInput("other".getBytes(StandardCharsets.UTF_8), "append", url, "--key",
                    "order-1");
            assertEquals(0, again.exit(), again.toString());
            assertTrue(JSON.readTree(again.out()).get("duplicate").asBoolean());

            Path file = tmp.resolve("event.json");
            Files.writeString(file, "{\"n\":2}");
            Proc.Result expected = Proc.run("append", url, "--expect-last-seq", "1", file.toString());
            assertEquals(0, expected.exit(), expected.toString());
            Proc.Result conflict = Proc.run("append", url, "--expect-last-seq", "1", file.toString());
            assertEquals(4, conflict.exit(), conflict.toString());
            assertTrue(conflict.stderr().contains("409"), conflict.stderr());

            // Far over the limit, so that the daemon refuses it before the body is all sent.
            Proc.Result refused = Proc.runWithInput(new byte[8 << 20], "append", url);
            assertEquals(1, refused.exit(), refused.toString());
            assertTrue(refused.stderr().contains("413"), refused.stderr());
            Proc.Result noTimeout = Proc.run("append", url, "--timeout", "0", file.toString());
            assertEquals(2, noTimeout.exit(), noTimeout.toString());
            Proc.Result missing = Proc.run("append", url, tmp.resolve("no-such-event.json").toString());
            assertEquals(2, missing.exit(), missing.toString());
            assertTrue(missing.stderr().contains("no-such-event.json does not exist"), missing.stderr());
            Proc.Result directory = Proc.run("append", url, tmp.toString());
            assertEquals(2, directory.exit(), directory.toString());
            assertTrue(directory.stderr().contains(tmp + " is a directory, not a file"), directory.stderr());
            String https = serve.uri.toString().replaceFirst("^http:", "https:");
            Proc.Result plain = Proc.run("append", "--url", https, file.toString());
            assertEquals(3, plain.exit(), plain.toString());
            assertTrue(plain.stderr().contains("if the daemon serves plain HTTP there, use --url " + serve.uri)
                    && !plain.stderr().contains("trust store"), plain.stderr());
            Path emptyToken = Files.writeString(tmp.resolve("empty-token"), "\n");
            Proc.Result noToken = Proc.run("append", url, "--token-file", emptyToken.toString(), file.toString());
            assertEquals(2, noToken.exit(), noToken.toString());
            assertTrue(noToken.stderr().contains("token file " + emptyToken + " holds no token"), noToken.stderr());

            Proc.Result batch = Proc.runWithInput("{\"a\":1}\n{\"a\":2}\n".getBytes(StandardCharsets.UTF_8), "append",
                    url, "--batch");
            assertEquals(0, batch.exit(), batch.toString());
            assertEquals(2, JSON.readTree(batch.out()).get("count").asInt());
            // A record carries a content type only when --content-type gives one.
            String records = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    serve.uri.resolve("/v1/records?from=1&limit=3")).build(), HttpResponse.BodyHandlers.ofString()).body();
            List<String> lines = records.lines().toList();
            assertEquals("application/json", JSON.readTree(lines.get(0)).get("content_type").asText(), records);
            assertFalse(JSON.readTree(lines.get(1)).has("content_type"), records);

            // info reads the files while the daemon holds them, and says what GET /v1/log says.
            Proc.Result info = Proc.run("info", dir.toString(), "--json");
            assertEquals(0, info.exit(), info.toString());
            JsonNode offline = JSON.readTree(info.out());
            JsonNode online = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    serve.uri.resolve("/v1/log")).build(), HttpResponse.BodyHandlers.ofString()).body());
            for (String field : List.of("log_id", "first_seq", "last_seq", "segments", "bytes", "chain_head")) {
                assertEquals(online.get(field), offline.get(field), field);
            }
            assertTrue(offline.get("locked").asBoolean());
            assertTrue(offline.get("torn_tail_bytes").isNull(), "a running daemon's last record may be mid-write");
            assertEquals(List.of(4), toInts(offline.get("format_versions")));
            assertEquals(0, serve.terminate());
        }
        Proc.Result down = Proc.runWithInput("x".getBytes(StandardCharsets.UTF_8), "append", "--url",
                "http://127.0.0.1:" + freePort());
        assertEquals(3, down.exit(), down.toString());
        assertTrue(down.stderr().contains("); is 'afterme serve' running there?")
                && !down.stderr().contains("Exception"), down.stderr());
        // Without a scheme, "127.0.0.1:7070" would parse as a URI whose scheme is "127.0.0.1".
        Proc.Result schemeless = Proc.runWithInput("x".getBytes(StandardCharsets.UTF_8), "append", "--url",
                "127.0.0.1:7070");
        assertEquals(2, schemeless.exit(), schemeless.toString());
        assertTrue(schemeless.stderr().contains("not an http:// or https:// URL"), schemeless.stderr());
        // An endpoint's URL as --url appended to /v1/records/v1/records, which the daemon answered 405 "use GET".
        Proc.Result endpoint = Proc.runWithInput("x".getBytes(StandardCharsets.UTF_8), "append", "--url",
                "http://127.0.0.1:7070/v1/records?ack=durable");
        assertUsageError(endpoint, "append");
        assertTrue(endpoint.stderr().contains("--url is the daemon's address, as http://127.0.0.1:7070"),
                endpoint.stderr());
        Proc.Result info = Proc.run("info", dir.toString());
        assertEquals(0, info.exit(), info.toString());
        assertTrue(info.out().contains("none holds the lock"), info.out());
        assertTrue(info.out().contains(" bytes, format version 4\n"), info.out());
    }

    @Test
    void theDaemonSaysWhatItOpenedAndRefusesAPortInUse() throws Exception {
        Path dir = tmp.resolve("voice");
        try (ServeProcess serve = new ServeProcess(dir, "--segment-size", "4KiB", "--access-log")) {
            assertTrue(serve.stderr().contains("created a new log "), serve.stderr());
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 40; i++) {
                http.send(HttpRequest.newBuilder(serve.uri.resolve("/v1/records?ack=durable"))
                        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(200))).build(),
                        HttpResponse.BodyHandlers.ofString());
            }
            int port = serve.uri.getPort();
            Path fresh = tmp.resolve("fresh");
            Proc.Result taken = Proc.run("serve", "--data", fresh.toString(), "--listen", "127.0.0.1:" + port);
            assertEquals(3, taken.exit(), taken.toString());
            assertTrue(taken.stderr().contains("127.0.0.1:" + port + " is already in use"), taken.stderr());
            assertFalse(Files.exists(fresh), "no data directory left behind");
            assertEquals(0, serve.terminate());
            assertTrue(serve.stderr().contains("POST /v1/records?ack=durable 200"), serve.stderr());
            assertTrue(serve.stderr().contains("sealed 00000000000000000001.seg"), serve.stderr());
        }
        try (ServeProcess again = new ServeProcess(dir, "--log-level", "warning")) {
            assertTrue(again.stderr().contains("opened log ") && again.stderr().contains("last seq 40, durable seq 40"),
                    again.stderr());
            assertEquals(0, again.terminate());
            assertFalse(again.stderr().contains(" INFO "), "--log-level warning: " + again.stderr());
        }
        // A webhook makes the JDK's HTTP client, which logs every trusted certificate at its debug level.
        try (ServeProcess debug = new ServeProcess(dir, "--log-level", "debug", "--webhook", "http://127.0.0.1:9/")) {
            assertEquals(0, debug.terminate());
            for (String library : List.of("X509Certificate", "HttpClientImpl", "Native: ")) {
                assertFalse(debug.stderr().contains(library), "debug is afterme's own: " + debug.stderr());
            }
        }
    }

    @Test
    void servingEveryoneWithoutTokensIsWarnedOf() throws Exception {
        // Bound to every address for a moment; nothing connects to it.
        Process serve = new ProcessBuilder(Proc.command("serve", "--data", tmp.resolve("open").toString(), "--listen",
                "0.0.0.0:0", "--insecure")).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(serve.getErrorStream(), StandardCharsets.UTF_8));
            StringBuilder said = new StringBuilder();
            for (String line = err.readLine(); line != null && !line.contains("serving on"); line = err.readLine()) {
                said.append(line).append('\n');
            }
            assertTrue(said.toString().contains("warning: --insecure: whoever reaches 0.0.0.0:0 may append, read"),
                    said.toString());
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void tlsIsCheckedBeforeALogIsCreatedAndAnUntrustedCertificateIsNamed() throws Exception {
        Path keystore = tmp.resolve("keys.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "afterme", "-keyalg", "EC", "-validity", "2", "-dname", "CN=localhost",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "s3cret")
                .redirectErrorStream(true).start();
        assertEquals(0, keytool.waitFor(), new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Path wrong = Files.writeString(tmp.resolve("wrong-password"), "guess\n");
        Path right = Files.writeString(tmp.resolve("password"), "s3cret\n");
        Path fresh = tmp.resolve("never-created");
        Proc.Result refused = Proc.run("serve", "--data", fresh.toString(), "--listen", "127.0.0.1:0",
                "--tls-keystore", keystore.toString(), "--tls-password-file", wrong.toString());
        assertEquals(3, refused.exit(), refused.toString());
        assertTrue(refused.stderr().contains("cannot read the TLS keystore " + keystore)
                && refused.stderr().contains("--tls-password-file"), refused.stderr());
        assertFalse(Files.exists(fresh), "a keystore it cannot read leaves no data directory behind");
        try (ServeProcess serve = new ServeProcess(tmp.resolve("tls"), "--tls-keystore", keystore.toString(),
                "--tls-password-file", right.toString())) {
            assertEquals("https", serve.uri.getScheme());
            Proc.Result untrusted = Proc.runWithInput("{}".getBytes(StandardCharsets.UTF_8), "append", "--url",
                    serve.uri.toString(), "-");
            assertEquals(3, untrusted.exit(), untrusted.toString());
            assertTrue(untrusted.stderr().contains("answered, but TLS failed: its certificate is not trusted here")
                    && untrusted.stderr().contains("-Djavax.net.ssl.trustStore")
                    && !untrusted.stderr().contains("Exception"), untrusted.stderr());
            assertEquals(0, serve.terminate());
        }
    }

    /** Records appended while tail reads do not lengthen {@code -n N}: it printed thousands under load. */
    @Test
    void tailLinesCountsBackFromTheEndAsItStartsWhileTheLogGrows() throws Exception {
        Path dir = tmp.resolve("growing");
        try (ServeProcess serve = new ServeProcess(dir)) {
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest post = HttpRequest.newBuilder(serve.uri.resolve("/v1/records"))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100))).build();
            for (int i = 0; i < 3; i++) {
                assertEquals(200, client.send(post, HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            AtomicBoolean stop = new AtomicBoolean();
            Thread appender = new Thread(() -> {
                while (!stop.get()) {
                    client.sendAsync(post, HttpResponse.BodyHandlers.discarding()).join();
                }
            });
            appender.start();
            try {
                String d = dir.toString();
                assertEquals(1, Proc.run("tail", d, "-n", "1", "-o", "short").lines().size());
                assertEquals(3, Proc.run("tail", d, "-n", "3", "-r", "-o", "short").lines().size());
                assertEquals(100, Proc.run("tail", d, "-n", "1", "-o", "raw").out().length());
            } finally {
                stop.set(true);
                appender.join();
            }
        }
    }

    @Test
    void tailFollowEndsQuietlyOnceNothingReadsItsOutput() throws Exception {
        Path dir = log(3);
        Process tail = new ProcessBuilder(Proc.command("tail", "-f", dir.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(tail.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(out.readLine().startsWith("{\"seq\":1,"));
            // As head does once it has its lines; the log stays quiet, so no write would tell tail.
            out.close();
            assertTrue(tail.waitFor(20, TimeUnit.SECONDS), "tail -f went on following for a reader that had gone");
            assertEquals(0, tail.exitValue());
        } finally {
            tail.destroyForcibly();
        }
    }

    @Test
    void aLockedLogTellsEveryToolHowToGoOn() throws Exception {
        Path dir = log(2);
        try (ServeProcess serve = new ServeProcess(dir)) {
            Proc.Result r = Proc.run("recover", dir.toString(), "--dry-run");
            assertEquals(3, r.exit(), r.toString());
            assertTrue(r.stderr().contains("-d DIR"), r.stderr());
            assertEquals(0, serve.terminate());
        }
    }

    @Test
    void manPagesPassManWarningsAndCarryTheirSections() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/man")), "needs man(1)");
        Path man = Proc.JAR.toAbsolutePath().getParent().resolve("man");
        List<Path> pages;
        try (Stream<Path> s = Files.list(man)) {
            pages = s.filter(p -> p.toString().endsWith(".1")).sorted().toList();
        }
        assertTrue(pages.size() >= 9, pages.toString());
        for (Path page : pages) {
            String text = Files.readString(page);
            assertFalse(text.contains("%n"), page + " prints a literal %n");
            for (String section : List.of(".SH DESCRIPTION", ".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES",
                    ".SH SEE ALSO")) {
                assertTrue(text.contains(section), page + " lacks " + section);
            }
            Proc.Result r = Proc.runCommand(List.of("man", "--warnings", "-l", page.toString()), null,
                    Map.of("MANWIDTH", "80"));
            assertEquals(0, r.exit(), page + ": " + r.stderr());
            assertEquals("", r.stderr().strip(), page + " warns");
        }
        String serve = Files.readString(man.resolve("afterme-serve.1"));
        assertTrue(serve.contains("SIGTERM") && serve.contains("/v1/subscribe"), "serve's page covers the API and signals");
        assertTrue(Files.readString(man.resolve("afterme-tail.1")).contains(".SH EXAMPLES"));
    }

    @Test
    void completionOffersTheValues() throws Exception {
        Path script = Proc.JAR.toAbsolutePath().getParent().resolve("completion/afterme.bash");
        for (String[] c : new String[][] {{"tail -o", "json short payload raw"}, {"tail --payload", "auto utf8 base64 none"},
                {"append --ack", "memory durable"}, {"serve --ack", "memory durable"}}) {
            String words = "afterme " + c[0] + " ";
            Proc.Result r = Proc.runCommand(List.of("bash", "-c", "source " + script + " 2>/dev/null; COMP_WORDS=("
                    + words + "\"\"); COMP_CWORD=" + words.split(" ").length + "; COMP_LINE='" + words
                    + "'; COMP_POINT=${#COMP_LINE}; _complete_afterme 2>/dev/null; echo \"${COMPREPLY[@]}\""), null, Map.of());
            assertEquals(c[1], r.out().strip(), c[0]);
        }
    }

    @Test
    void theSystemdUnitVerifies() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "needs systemd-analyze");
        Path unit = Path.of("..", "contrib", "afterme.service");
        String text = Files.readString(unit);
        for (String needed : List.of("User=afterme", "ExecStart=/usr/local/bin/afterme serve --data", "Restart=on-failure",
                "TimeoutStopSec=", "NoNewPrivileges=yes", "ProtectSystem=strict")) {
            assertTrue(text.contains(needed), "the unit has " + needed);
        }
        // systemd-analyze checks that ExecStart names a program that exists: here, the repository's launcher.
        Path copy = tmp.resolve("afterme.service");
        Files.writeString(copy, text.replace("/usr/local/bin/afterme", Path.of("..", "bin", "afterme")
                .toAbsolutePath().normalize().toString()));
        Proc.Result r = Proc.runCommand(List.of("systemd-analyze", "verify", copy.toString()), null, Map.of());
        assertEquals(0, r.exit(), r.toString());
    }

    private static List<Integer> toInts(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
