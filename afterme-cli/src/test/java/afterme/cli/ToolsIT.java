package afterme.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.format.SegmentHeader;
import afterme.format.SegmentNames;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tools as a user runs them: the real jar as a process, on logs written by the engine, clean and
 * damaged. Each test checks stdout, stderr and the exit code.
 */
class ToolsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Writes {@code n} records of mixed kinds (JSON, text, binary, empty) and returns their payloads. */
    static List<byte[]> writeLog(Path dir, int n, long segmentSize) throws Exception {
        List<byte[]> payloads = new ArrayList<>();
        Random random = new Random(n);
        try (Log log = Log.open(LogConfig.defaults(dir).withSegmentSize(segmentSize))) {
            for (int i = 0; i < n; i++) {
                byte[] p = switch (i % 4) {
                    case 0 -> ("{\"type\":\"OrderPlaced\",\"id\":" + i + ",\"x\":1.50}").getBytes(StandardCharsets.UTF_8);
                    case 1 -> ("plain text " + i + " ünïcödé").getBytes(StandardCharsets.UTF_8);
                    case 2 -> {
                        byte[] b = new byte[1 + random.nextInt(300)];
                        random.nextBytes(b);
                        b[0] = (byte) 0xff;
                        yield b;
                    }
                    default -> new byte[0];
                };
                payloads.add(p);
                log.submit(Append.of(p, Ack.DURABLE)).durable.get();
            }
        }
        return payloads;
    }

    static long readSeq(String line) {
        try {
            return JSON.readTree(line).get("seq").asLong();
        } catch (IOException e) {
            throw new AssertionError(line, e);
        }
    }

    static byte[] decodePayload(JsonNode line) throws IOException {
        return switch (line.get("encoding").asText()) {
            case "json" -> JSON.writeValueAsBytes(line.get("payload"));
            case "utf8" -> line.get("payload").asText().getBytes(StandardCharsets.UTF_8);
            default -> Base64.getDecoder().decode(line.get("payload").asText());
        };
    }

    private Path dataDir() {
        return tmp.resolve("data");
    }

    @Test
    void tailAndDumpPrintEveryRecordAsOneJsonLine() throws Exception {
        Path dir = dataDir();
        List<byte[]> payloads = writeLog(dir, 40, 2048);
        assertTrue(Segments.list(dir).size() > 3, "the log spans several segments");
        Proc.Result tail = Proc.run("tail", dir.toString());
        assertEquals(0, tail.exit(), tail.toString());
        Proc.Result dump = Proc.run("dump", dir.toString());
        assertEquals(0, dump.exit(), dump.toString());
        for (Proc.Result r : List.of(tail, dump)) {
            List<String> lines = r.lines();
            assertEquals(payloads.size(), lines.size());
            for (int i = 0; i < lines.size(); i++) {
                JsonNode line = JSON.readTree(lines.get(i));
                assertEquals(i + 1, line.get("seq").asLong());
                byte[] decoded = decodePayload(line);
                if (line.get("encoding").asText().equals("json")) {
                    assertEquals(JSON.readTree(payloads.get(i)), JSON.readTree(decoded));
                } else {
                    assertArrayEquals(payloads.get(i), decoded, "seq " + (i + 1));
                }
            }
        }
        JsonNode first = JSON.readTree(dump.lines().get(0));
        assertEquals(SegmentNames.name(1), first.get("segment").asText());
        assertEquals(SegmentHeader.LENGTH, first.get("offset").asLong());
        Proc.Result raw = Proc.run("tail", dir.toString(), "--output", "raw", "--from", "3", "--to", "3");
        assertArrayEquals(payloads.get(2), raw.stdout());
        Proc.Result last = Proc.run("tail", dir.toString(), "-n", "2");
        assertEquals(2, last.lines().size(), last.toString());
        assertEquals(39, JSON.readTree(last.lines().get(0)).get("seq").asLong());
        Proc.Result text = Proc.run("tail", dir.toString(), "--from", "2", "--to", "2", "--output", "payload");
        assertEquals(new String(payloads.get(1), StandardCharsets.UTF_8) + "\n", text.out());
        assertEquals(payloads.size(), Proc.run("tail", dir.toString(), "--since", "2000-01-01").lines().size());
        assertEquals(0, Proc.run("tail", dir.toString(), "--since", "2999-01-01T00:00:00Z").lines().size());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            all.write(p);
        }
        assertArrayEquals(all.toByteArray(), Proc.run("tail", dir.toString(), "--output", "raw", "--until", "2999-01-01")
                .stdout());
        assertEquals(0, Proc.run("tail", dir.toString(), "--output", "payload", "--until", "2000-01-01").stdout().length);
        assertEquals(List.of(5L, 6L, 7L), Proc.run("dump", dir.toString(), "--from", "5", "--to", "7").lines().stream()
                .map(l -> readSeq(l)).toList());
        Proc.Result segments = Proc.run("dump", dir.toString(), "--segments");
        assertEquals(Segments.list(dir).size(), segments.lines().size());
        assertTrue(JSON.readTree(segments.lines().get(0)).get("sealed").asBoolean());
        Proc.Result verify = Proc.run("verify", dir.toString(), "--json");
        assertEquals(0, verify.exit(), verify.toString());
        assertTrue(JSON.readTree(verify.out()).get("ok").asBoolean());
    }

    /**
     * A segment copied out of a log, or named on the command line, is read on its own: it need not start
     * the log at seq 1. Segments given together must still follow one another.
     */
    @Test
    void aSegmentFromTheMiddleOfTheLogIsReadOnItsOwn() throws Exception {
        Path dir = dataDir();
        writeLog(dir, 40, 2048);
        List<Path> segments = Segments.list(dir);
        Path second = segments.get(1);
        Path third = segments.get(2);
        long first = SegmentNames.firstSeq(second);
        long next = SegmentNames.firstSeq(third);
        Proc.Result verify = Proc.run("verify", second.toString());
        assertEquals(0, verify.exit(), verify.toString());
        assertTrue(verify.out().contains(": ok, 1 segment(s)"), verify.out());
        Proc.Result dump = Proc.run("dump", second.toString());
        assertEquals(0, dump.exit(), dump.toString());
        assertEquals(LongStream.range(first, next).boxed().toList(), dump.lines().stream().map(l -> readSeq(l)).toList());
        Proc.Result two = Proc.run("dump", second.toString(), third.toString(), "--from", String.valueOf(next - 1),
                "--to", String.valueOf(next));
        assertEquals(0, two.exit(), two.toString());
        assertEquals(List.of(next - 1, next), two.lines().stream().map(l -> readSeq(l)).toList());
        Proc.Result reversed = Proc.run("dump", third.toString(), second.toString());
        assertEquals(1, reversed.exit(), reversed.toString());
        assertTrue(reversed.stderr().contains("seq_gap"), reversed.stderr());
        // Each data directory is a log of its own, as verify takes them: another log after it, or a segment
        // file after it, is read on its own, not as the directory's continuation.
        Path other = tmp.resolve("other");
        writeLog(other, 3, 2048);
        Proc.Result logs = Proc.run("dump", dir.toString(), other.toString(), second.toString(), "--payload", "none");
        assertEquals(0, logs.exit(), logs.toString());
        assertEquals("", logs.stderr());
        assertEquals(40 + 3 + (next - first), logs.lines().size(), logs.out());
    }

    @Test
    void closedStdoutEndsQuietlyWithZero() throws Exception {
        Path dir = dataDir();
        writeLog(dir, 200, 1 << 20);
        String cmd = String.join(" ", Proc.command("tail", dir.toString())) + " | head -1 >/dev/null";
        Process p = new ProcessBuilder("bash", "-c", "set -o pipefail; " + cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), output);
        assertEquals("", output);
    }

    /** A file not named as a segment was told to run recover on its directory, which would not touch it. */
    @Test
    void verifyOfAFileNotNamedAsASegmentSuggestsNoRecover() throws Exception {
        for (String text : List.of("{\"a\":1}\n", "{\"a\":1}\n".repeat(100))) {
            Path file = Files.writeString(tmp.resolve("records.ndjson"), text);
            Proc.Result verify = Proc.run("verify", file.toString());
            assertEquals(1, verify.exit(), verify.toString());
            assertTrue(verify.out().contains("next: recover works on the segment files of a data directory")
                    && verify.out().contains(file + " is not one"), verify.out());
            assertFalse(verify.out().contains("afterme recover"), verify.out());
        }
    }

    @Test
    void tornTailIsReportedRecoveredAndBackedUp() throws Exception {
        Path dir = dataDir();
        writeLog(dir, 10, 1 << 20);
        Path segment = Segments.list(dir).get(0);
        byte[] garbage = "half a record, then the power went".getBytes(StandardCharsets.UTF_8);
        long validSize = writeTornRecord(segment, garbage);
        long tornSize = Files.size(segment);
        byte[] removed = Arrays.copyOfRange(Files.readAllBytes(segment), (int) validSize, (int) tornSize);

        Proc.Result verify = Proc.run("verify", dir.toString());
        assertEquals(1, verify.exit(), verify.toString());
        assertTrue(verify.out().contains("torn_tail") && verify.out().contains("offset " + validSize), verify.out());
        assertTrue(verify.out().contains("next: 'afterme recover " + dir + "' cuts the torn tail"), verify.out());
        Proc.Result dump = Proc.run("dump", dir.toString());
        assertEquals(1, dump.exit());
        assertEquals(10, dump.lines().size());
        assertTrue(dump.stderr().contains("torn_tail"), dump.stderr());
        Proc.Result noTerminal = Proc.run("recover", dir.toString());
        assertEquals(2, noTerminal.exit(), noTerminal.toString());
        assertTrue(noTerminal.stderr().contains("--yes"));
        Proc.Result dry = Proc.run("recover", dir.toString(), "--dry-run");
        assertEquals(1, dry.exit(), "it would cut something: " + dry);
        assertTrue(dry.stderr().contains("would cut"), dry.stderr());
        assertEquals(tornSize, Files.size(segment), "a dry run changes nothing");
        Path notADirectory = Files.writeString(tmp.resolve("backups-file"), "x");
        Proc.Result fileAsBackups = Proc.run("recover", dir.toString(), "--yes", "--backup-dir", notADirectory.toString());
        assertEquals(2, fileAsBackups.exit(), fileAsBackups.toString());
        assertTrue(fileAsBackups.stderr().contains("--backup-dir: " + notADirectory + " is not a directory"),
                fileAsBackups.stderr());
        Path underAFile = notADirectory.resolve("backups");
        Proc.Result uncreatable = Proc.run("recover", dir.toString(), "--yes", "--backup-dir", underAFile.toString());
        assertEquals(3, uncreatable.exit(), uncreatable.toString());
        assertTrue(uncreatable.stderr().contains("cannot create the backup directory " + underAFile)
                && uncreatable.stderr().contains("nothing was cut") && !uncreatable.stderr().contains("Exception"),
                uncreatable.stderr());
        assertEquals(tornSize, Files.size(segment), "a backup directory it cannot create cuts nothing");

        Proc.Result recover = Proc.run("recover", dir.toString(), "--yes");
        assertEquals(0, recover.exit(), recover.toString());
        assertEquals(validSize, Files.size(segment));
        List<Path> backups;
        try (Stream<Path> s = Files.list(dir.resolve("recovered"))) {
            backups = s.toList();
        }
        assertEquals(1, backups.size());
        assertArrayEquals(removed, Files.readAllBytes(backups.get(0)), "the backup holds exactly the removed bytes");
        assertEquals(0, Proc.run("verify", dir.toString()).exit());
        Proc.Result nothingToDo = Proc.run("recover", dir.toString(), "--dry-run");
        assertEquals(0, nothingToDo.exit(), nothingToDo.toString());
    }

    /**
     * Each command that a message suggests, run in a shell as printed, where the data directory's path has
     * a space and a quote in it: verify's next step, recover's refusal, and the advice of a tool that
     * stops at the damage.
     */
    @Test
    void suggestedCommandsRunAsPrintedWhereThePathNeedsQuoting() throws Exception {
        Path dir = tmp.resolve("ops' logs").resolve("data");
        writeLog(dir, 8, 1 << 20);
        long recordEnd = JSON.readTree(Proc.run("dump", dir.toString()).lines().get(5)).get("offset").asLong();
        flip(Segments.list(dir).get(0), recordEnd - 3, 3);
        String verifyNext = suggested(Proc.run("verify", dir.toString()).out(), "next: '(afterme [^\\n]*?)' shows");
        String recoverRun = suggested(Proc.run("recover", dir.toString(), "--yes").stderr(),
                "run '(afterme recover [^\\n]*?)' \\(add");
        String tailRun = suggested(Proc.run("tail", dir.toString()).stderr(), "run '(afterme verify [^\\n]*?)' for");
        // A dry run of the cut says what it would cut, and exits 1.
        Proc.Result dryRun = inShell(verifyNext);
        assertEquals(1, dryRun.exit(), verifyNext + ": " + dryRun);
        assertTrue((dryRun.out() + dryRun.stderr()).contains("would cut"), dryRun.toString());
        Proc.Result report = inShell(tailRun);
        assertEquals(1, report.exit(), tailRun + ": " + report);
        assertTrue(report.out().contains("seq 5: bad_checksum"), report.out());
        Proc.Result cut = inShell(recoverRun + " --yes");
        assertEquals(0, cut.exit(), recoverRun + ": " + cut);
        assertEquals(0, Proc.run("verify", dir.toString()).exit());
        assertEquals(4, Proc.run("tail", dir.toString()).lines().size());
    }

    private static String suggested(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        assertTrue(m.find(), "no " + regex + " in: " + output);
        return m.group(1);
    }

    /** {@code line} run by sh, where {@code afterme} runs this build's jar. */
    private static Proc.Result inShell(String line) {
        return Proc.runCommand(List.of("sh", "-c", "afterme() { \"$AFTERME_JAVA\" -jar \"$AFTERME_JAR\" \"$@\"; }; "
                + line), null, Map.of("AFTERME_JAVA", Proc.javaBin(), "AFTERME_JAR",
                Proc.JAR.toAbsolutePath().toString()));
    }

    @Test
    void flippedPayloadBitIsCorruptionThatOnlyTruncateAtSeqCuts() throws Exception {
        Path dir = dataDir();
        writeLog(dir, 8, 1 << 20);
        Path segment = Segments.list(dir).get(0);
        Proc.Result dump = Proc.run("dump", dir.toString());
        long offset = JSON.readTree(dump.lines().get(4)).get("offset").asLong();
        int size = JSON.readTree(dump.lines().get(4)).get("size").asInt();
        long recordEnd = JSON.readTree(dump.lines().get(5)).get("offset").asLong();
        flip(segment, recordEnd - Math.max(1, size / 2), 3);
        Proc.Result verify = Proc.run("verify", dir.toString());
        assertEquals(1, verify.exit());
        assertTrue(verify.out().contains("seq 5: bad_checksum"), verify.out());
        assertTrue(verify.out().contains("offset " + offset), verify.out());
        assertTrue(verify.out().contains("next: 'afterme recover " + dir + " --dry-run --truncate-at-seq 5'"),
                verify.out());
        Proc.Result hinted = Proc.run("recover", dir.toString(), "--dry-run", "--truncate-at-seq", "5");
        assertEquals(1, hinted.exit(), "the hint runs as printed, and would cut: " + hinted);
        Proc.Result ofFile = Proc.run("verify", segment.toString());
        assertTrue(ofFile.out().contains("next: 'afterme recover " + dir + " "), "recover takes the directory: "
                + ofFile.out());
        Proc.Result refused = Proc.run("recover", dir.toString(), "--yes");
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.stderr().contains("--truncate-at-seq 5"), refused.stderr());
        Proc.Result cut = Proc.run("recover", dir.toString(), "--yes", "--truncate-at-seq", "5");
        assertEquals(0, cut.exit(), cut.toString());
        assertEquals(offset, Files.size(segment));
        assertEquals(4, Proc.run("tail", dir.toString()).lines().size());
    }

    @Test
    void damagedHeadersAndSegmentsAreNamed() throws Exception {
        Path dir = dataDir();
        writeLog(dir, 30, 2048);
        List<Path> segments = Segments.list(dir);
        Path[] copies = new Path[4];
        for (int i = 0; i < copies.length; i++) {
            copies[i] = tmp.resolve("copy" + i);
            Files.createDirectories(copies[i]);
            for (Path s : segments) {
                Files.copy(s, copies[i].resolve(s.getFileName()));
            }
        }
        flip(copies[0].resolve(segments.get(0).getFileName()), 20, 0);
        assertProblem(copies[0], "bad_segment_header");
        Files.delete(copies[1].resolve(segments.get(1).getFileName()));
        assertProblem(copies[1], "seq_gap");
        Path sealed = copies[2].resolve(segments.get(0).getFileName());
        try (RandomAccessFile f = new RandomAccessFile(sealed.toFile(), "rw")) {
            f.setLength(f.length() - 10);
        }
        assertProblem(copies[2], "missing_trailer");
        Path versioned = copies[3].resolve(segments.get(1).getFileName());
        try (RandomAccessFile f = new RandomAccessFile(versioned.toFile(), "rw")) {
            f.seek(8);
            f.writeShort(9);
        }
        Proc.Result v = assertProblem(copies[3], "unsupported_version");
        assertTrue(v.out().contains("format version 9"), v.out());
        Proc.Result dump = Proc.run("dump", copies[3].toString());
        assertEquals(1, dump.exit());
        assertTrue(dump.stderr().contains("format version 9"), dump.stderr());
        // A newer afterme may have written it: every next step says so before it offers a cut.
        String newer = "if a newer afterme wrote this log, read it with that release, and cut nothing; if not, ";
        assertTrue(v.out().contains("next: " + newer + "'afterme recover "), v.out());
        Proc.Result recover = Proc.run("recover", copies[3].toString(), "--dry-run");
        assertEquals(1, recover.exit(), recover.toString());
        assertTrue(recover.stderr().contains(newer + "to cut it"), recover.stderr());
        Proc.Result serve = Proc.run("serve", "--data", copies[3].toString(), "--listen", "127.0.0.1:0");
        assertEquals(1, serve.exit(), serve.toString());
        assertTrue(serve.stderr().contains("refusing to open the log; " + newer), serve.stderr());
        assertFalse(Proc.run("verify", copies[0].toString()).out().contains("newer afterme"), "damage is damage");
    }

    /**
     * Mutated logs through dump, verify and recover (in-process, to afford many): the exit code is always
     * 0 or 1, never a crash; and whenever recover succeeds, verify agrees the log is clean.
     */
    @Test
    void hostileFilesThroughTheTools() throws Exception {
        Path original = tmp.resolve("original");
        writeLog(original, 30, 2048);
        Random random = new Random(5);
        StringWriter sink = new StringWriter();
        for (int m = 0; m < 60; m++) {
            Path dir = tmp.resolve("hostile" + m);
            Files.createDirectories(dir);
            List<Path> segments = Segments.list(original);
            Path victim = segments.get(random.nextInt(segments.size()));
            for (Path s : segments) {
                byte[] bytes = Files.readAllBytes(s);
                if (s.equals(victim)) {
                    int at = random.nextInt(bytes.length);
                    int n = 1 + random.nextInt(Math.min(64, bytes.length - at));
                    for (int i = at; i < at + n; i++) {
                        bytes[i] = (byte) random.nextInt(256);
                    }
                }
                Files.write(dir.resolve(s.getFileName()), bytes);
            }
            for (String[] args : List.of(new String[] {"dump", dir.toString()}, new String[] {"verify", dir.toString()},
                    new String[] {"recover", dir.toString(), "--yes"})) {
                picocli.CommandLine cl = Afterme.commandLine();
                cl.setOut(new PrintWriter(sink));
                cl.setErr(new PrintWriter(sink));
                int exit = cl.execute(args);
                assertTrue(exit == 0 || exit == 1, String.join(" ", args) + " exited " + exit + ": " + sink);
                if (args[0].equals("recover") && exit == 0) {
                    assertEquals(0, Afterme.commandLine().execute("verify", dir.toString()), "verify after recover");
                }
            }
            sink.getBuffer().setLength(0);
        }
    }

    private static Proc.Result assertProblem(Path dir, String kind) {
        Proc.Result r = Proc.run("verify", dir.toString());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains(kind), kind + " expected in: " + r.out());
        return r;
    }

    @Test
    void usageErrorsAndMissingDirectories() throws IOException {
        assertEquals(2, Proc.run("tail", "--output", "xml").exit());
        assertEquals(2, Proc.run("verify", "--bogus").exit());
        assertEquals(3, Proc.run("verify", tmp.resolve("nope").toString()).exit());
        assertEquals(3, Proc.run("tail", tmp.resolve("nope").toString()).exit());
        assertEquals(3, Proc.run("recover", tmp.resolve("nope").toString()).exit());
        Path aFile = Files.writeString(tmp.resolve("a-file"), "not a log");
        Proc.Result onAFile = Proc.run("serve", "--data", aFile.toString(), "--listen", "127.0.0.1:0");
        assertEquals(3, onAFile.exit(), onAFile.toString());
        assertTrue(onAFile.stderr().contains(aFile + " is not a directory"), onAFile.stderr());
        String data = tmp.resolve("never-created").toString();
        // Each case: an option and its bad value, then the flag the message must name.
        for (List<String> c : List.of(List.of("--max-payload", "3GiB", "--max-payload"),
                List.of("--max-batch", "5GiB", "--max-batch"), List.of("--max-payload", "12XB", "--max-payload"),
                List.of("--segment-size", "10", "--segment-size"), List.of("--ack", "maybe", "--ack"),
                List.of("--flush-interval", "5parsecs", "--flush-interval"), List.of("--listen", "nohost", "--listen"),
                List.of("--listen", ":7070", "127.0.0.1:7070"), List.of("--listen", "0.0.0.0:0", "--token-file"),
                List.of("--webhook", "localhost:8080/hook", "http:// or https://"),
                List.of("--webhook", "/hook", "--webhook"),
                List.of("--token-file", tmp.resolve("no-tokens").toString(), "no-tokens does not exist"))) {
            Proc.Result r = Proc.run("serve", "--data", data, c.get(0), c.get(1));
            assertEquals(2, r.exit(), c + ": " + r);
            assertTrue(r.stderr().contains(c.get(2)), c + " names " + c.get(2) + ": " + r.stderr());
        }
        Path keystore = Files.createFile(tmp.resolve("keys.p12"));
        Proc.Result noPassword = Proc.run("serve", "--data", data, "--tls-keystore", keystore.toString(),
                "--tls-password-file", tmp.resolve("no-password").toString());
        assertEquals(2, noPassword.exit(), noPassword.toString());
        assertTrue(noPassword.stderr().contains("--tls-password-file: " + tmp.resolve("no-password") + " does not exist"),
                noPassword.stderr());
        assertFalse(Files.exists(tmp.resolve("never-created")), "a usage error creates no data directory");
        Proc.Result version = Proc.run("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().startsWith("afterme "));
        for (String cmd : List.of("serve", "tail", "dump", "verify", "recover")) {
            Proc.Result help = Proc.run(cmd, "--help");
            assertEquals(0, help.exit(), cmd);
            assertTrue(help.out().contains("Usage: afterme " + cmd), help.out());
        }
    }

    static void flip(Path file, long offset, int bit) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ (1 << bit));
        }
    }



    /**
     * Writes {@code torn} where the segment's records end, over the fill written ahead of them, as a
     * crash in the middle of a write leaves it; returns that offset.
     */
    static long writeTornRecord(Path segment, byte[] torn) throws IOException {
        long end = SegmentScanner.scan(segment, false).dataEnd();
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(torn), end);
        }
        return end;
    }

    /**
     * A directory without an afterme log is exit 3, "no afterme log in DIR", for every tool, and none of them
     * leaves anything in it: a cron check pointed at a mistyped directory must not stay green. A log that
     * serve created and nobody wrote to is a log.
     */
    @Test
    void everyToolRefusesADirectoryWithoutALog() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("not-a-log"));
        Files.writeString(empty.resolve("notes.txt"), "not a segment");
        List<String[]> runs = List.of(new String[] {"verify", empty.toString()}, new String[] {"tail", empty.toString()},
                new String[] {"dump", empty.toString()}, new String[] {"recover", empty.toString(), "--dry-run"},
                new String[] {"forward", "--status", empty.toString()});
        for (String[] args : runs) {
            Proc.Result r = Proc.run(args);
            assertEquals(3, r.exit(), String.join(" ", args) + ": " + r);
            assertTrue(r.stderr().contains("no afterme log in " + empty), String.join(" ", args) + ": " + r.stderr());
            assertEquals("", r.out(), String.join(" ", args));
        }
        try (Stream<Path> left = Files.list(empty)) {
            assertEquals(List.of(empty.resolve("notes.txt")), left.toList(), "nothing left behind");
        }
        Path served = tmp.resolve("served");
        try (ServeProcess serve = new ServeProcess(served)) {
            assertEquals(0, serve.terminate(), serve.stderr());
        }
        Proc.Result verify = Proc.run("verify", served.toString());
        assertEquals(0, verify.exit(), verify.toString());
    }
}
