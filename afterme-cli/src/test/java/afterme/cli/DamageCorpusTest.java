package afterme.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.dump.DumpCommand;
import afterme.format.Hashes;
import afterme.format.LogCursor;
import afterme.format.LogFormatException;
import afterme.format.LogRecord;
import afterme.format.Problem;
import afterme.format.ProblemKind;
import afterme.format.RecordCodec;
import afterme.format.SegmentHeader;
import afterme.format.SegmentNames;
import afterme.format.SegmentScan;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.format.Trailer;
import afterme.recover.RecoverCommand;
import afterme.verify.VerifyCommand;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A damage corpus made from a real log (written by the daemon's engine after a first segment of format
 * version 1): bit flips in every field of a header, record and trailer, with and without the CRC
 * re-sealed; truncation inside each part; garbage and zeros after records, after the fill and after a
 * trailer; missing, renamed and duplicated segments. For each case the expected first problem (kind,
 * segment, offset, seq) and the last valid record are written here from FORMAT.md, and {@code verify},
 * {@code dump}, start-up, {@code recover --dry-run} and the cursor must all give them.
 */
class DamageCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PROBLEM = Pattern.compile("segment (\\S+) offset (\\d+)(?: seq (\\d+))?: (\\w+):");

    @TempDir
    static Path tmp;
    private static Path base;
    private static final List<Seg> SEGS = new ArrayList<>();

    /** One segment of the real log: its file name, record offsets and seqs, and where its records end. */
    record Seg(String name, long first, List<Long> offsets, long dataEnd, long size, boolean sealed) {
        long last() {
            return first + offsets.size() - 1;
        }

        long offset(int k) {
            return offsets.get(k < 0 ? offsets.size() + k : k);
        }

        long seq(int k) {
            return first + (k < 0 ? offsets.size() + k : k);
        }
    }

    /** What every tool must report: null kind for a clean log. */
    record Expect(ProblemKind kind, int segment, long offset, long seq, long lastValid, StartUp startUp) {
    }

    /** What start-up does with the case. */
    enum StartUp {
        /** Opens: the log is clean. */
        OPENS,
        /** Cuts what the plan allows (saved under recovered/) and opens with the valid records. */
        CUTS,
        /** Refuses, naming the problem. */
        REFUSES,
        /**
         * Opens: start-up checks rules 1 to 5 of the records it reads for their idempotency keys, not the
         * chain and SHA-256 that a rewrite with a re-sealed CRC breaks (FORMAT.md, "Recovery").
         */
        BLIND,
        /**
         * Refuses at the link to the next segment: a trailer's chain head is checked against the records
         * only by a walk, which start-up does not make of a sealed segment.
         */
        REFUSES_AT_NEXT_LINK
    }

    record Case(String name, Consumer<Path> damage, Expect expect) {
    }

    @BeforeAll
    static void writeRealLog() throws Exception {
        base = tmp.resolve("base");
        // Mixed format versions: a first segment as a version-1 writer left it (sealed, type-1 records, no fill),
        // which the engine continues in segments of the version it writes.
        int v1Records = 30;
        writeVersion1Segment(base, v1Records);
        try (Log log = Log.open(LogConfig.defaults(base).withSegmentSize(32 << 10))) {
            // Records one at a time, each synced before the next is written, until there are four segments
            // and the last holds 10 to 18 KiB of them: room for the group after them.
            for (int i = v1Records + 1; ; i++) {
                log.submit(Append.of(body(i), Ack.DURABLE)).durable.get();
                List<Path> segments = Segments.list(base);
                long end = SegmentScanner.scan(segments.get(segments.size() - 1), false).dataEnd();
                if (segments.size() >= 4 && end >= 10 << 10 && end <= 18 << 10) {
                    break;
                }
            }
            // The last writes, one batch whose records all say what was synced before it: the bytes a power
            // loss may tear (more than two pages of them), which are appended whole or cut whole.
            List<byte[]> group = new ArrayList<>();
            for (int i = 0; i < LAST_GROUP; i++) {
                group.add(("{\"event\":\"Snapshot\",\"n\":" + i + ",\"state\":\"" + "s".repeat(1200) + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
            }
            log.submit(Append.of(group, "application/json", null, -1, Ack.DURABLE)).durable.get();
        }
        List<Path> files = Segments.list(base);
        assertTrue(files.size() >= 4, "a log of several segments: " + files);
        for (Path f : files) {
            List<Long> offsets = new ArrayList<>();
            SegmentScan s = SegmentScanner.scan(f, true, null, (seq, nanos, off, len, goesOn) -> offsets.add(off));
            assertTrue(s.problems().isEmpty(), s.problems().toString());
            SEGS.add(new Seg(f.getFileName().toString(), s.header().firstSeq(), offsets, s.dataEnd(), s.fileSize(),
                    s.trailer() != null));
        }
        assertEquals(1, SEGS.get(0).sealed() ? 1 : 0, "the version-1 segment is sealed");
        assertTrue(last().size() > last().dataEnd(), "the active segment ends in fill");
        assertTrue(last().offsets().size() > LAST_GROUP + 3, "the active segment holds synced records before the group");
    }

    private static final int LAST_GROUP = 8;

    private static byte[] body(int i) {
        return ("{\"event\":\"OrderPlaced\",\"n\":" + i + ",\"note\":\"" + "x".repeat(150 + i % 50) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Seqs 1 to {@code records} in a sealed segment of format version 1, as an afterme of that version wrote it. */
    private static void writeVersion1Segment(Path dir, int records) throws IOException {
        UUID logId = UUID.randomUUID();
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        b.put(new SegmentHeader(1, logId, 1, new byte[32]).encode());
        byte[] chain = new byte[32];
        MessageDigest md = Hashes.newSha256();
        CRC32C crc = new CRC32C();
        for (int i = 1; i <= records; i++) {
            byte[] payload = body(i);
            RecordCodec.encode(b, RecordCodec.TYPE_DATA, i, 1_764_000_000L + i, 0, "Etc/UTC".getBytes(StandardCharsets.US_ASCII),
                    new byte[0], new byte[0], Hashes.sha256(payload), new ByteBuffer[] {ByteBuffer.wrap(payload)},
                    chain, -1, md, crc);
        }
        b.put(new Trailer(records, records, chain, b.position()).encode());
        Files.createDirectories(dir);
        Files.write(dir.resolve(SegmentNames.name(1)), Arrays.copyOf(b.array(), b.position()));
    }

    private static Seg seg(int i) {
        return SEGS.get(i);
    }

    private static Seg last() {
        return SEGS.get(SEGS.size() - 1);
    }

    private static int lastIndex() {
        return SEGS.size() - 1;
    }

    @TestFactory
    Stream<DynamicTest> everyToolTellsTheSameStory() {
        List<Case> cases = cases();
        assertTrue(cases.size() >= 60, "cases: " + cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        int l = lastIndex();
        cases.add(new Case("clean, mixed versions", d -> { }, clean()));
        // Segment headers, CRC not re-sealed: every field is behind the CRC (the version is checked first).
        int[][] headerFields = {{0, 0}, {10, 1}, {16, 0}, {39, 0}, {40, 5}, {80, 0}, {124, 3}};
        for (int si : new int[] {1, l}) {
            for (int[] f : headerFields) {
                Seg s = seg(si);
                cases.add(new Case("header byte " + f[0] + " of segment " + si, d -> flip(d, si, f[0], f[1]),
                        new Expect(ProblemKind.BAD_SEGMENT_HEADER, si, 0, s.first(), s.first() - 1, StartUp.REFUSES)));
            }
            Seg s = seg(si);
            cases.add(new Case("header version of segment " + si, d -> flip(d, si, 8, 6),
                    new Expect(ProblemKind.UNSUPPORTED_VERSION, si, 0, s.first(), s.first() - 1, StartUp.REFUSES)));
        }
        // Segment headers re-sealed: the links between segments.
        for (int si : new int[] {2, l}) {
            Seg s = seg(si);
            cases.add(new Case("log id of segment " + si + ", re-sealed",
                    d -> rewriteHeader(d.resolve(s.name()), h -> h.put(20, (byte) (h.get(20) ^ 1)), true),
                    new Expect(ProblemKind.LOG_ID_MISMATCH, si, 0, s.first(), s.first() - 1, StartUp.REFUSES)));
            cases.add(new Case("prev chain of segment " + si + ", re-sealed",
                    d -> rewriteHeader(d.resolve(s.name()), h -> h.put(50, (byte) (h.get(50) ^ 1)), true),
                    new Expect(ProblemKind.CHAIN_BREAK, si, 0, s.first(), s.first() - 1, StartUp.REFUSES)));
            cases.add(new Case("first seq of segment " + si + ", re-sealed",
                    d -> rewriteHeader(d.resolve(s.name()), h -> h.putLong(32, s.first() + 1), true),
                    new Expect(ProblemKind.SEQ_GAP, si, 0, s.first(), s.first() - 1, StartUp.REFUSES)));
        }
        Seg s2 = seg(2);
        cases.add(new Case("reserved header bytes, re-sealed",
                d -> rewriteHeader(d.resolve(s2.name()), h -> h.put(100, (byte) 7), true), clean()));
        cases.add(new Case("unknown version 5, re-sealed",
                d -> rewriteHeader(d.resolve(s2.name()), h -> h.putShort(8, (short) 5), true),
                new Expect(ProblemKind.UNSUPPORTED_VERSION, 2, 0, s2.first(), s2.first() - 1, StartUp.REFUSES)));
        cases.add(new Case("a version-4 segment rewritten as version 2: its records are of another type",
                d -> rewriteHeader(d.resolve(s2.name()), h -> h.putShort(8, (short) 2), true),
                new Expect(ProblemKind.BAD_CHECKSUM, 2, s2.offset(0), s2.first(), s2.first() - 1, StartUp.REFUSES)));
        Seg sl = last();
        // Records, CRC not re-sealed: in a sealed segment (start-up reads only its header and trailer), in the
        // middle and at the very end of the active segment (a complete frame that fails: damage, not torn).
        int[] recordFields = {0, 5, 12, 17, 25, 35, 36, 37, 38, 39, 45, 73, -40, -3, -1};
        Seg s1 = seg(1);
        for (int field : recordFields) {
            cases.add(new Case("record field at " + field + " of a sealed segment's record",
                    d -> flipRecord(d, 1, 3, field),
                    new Expect(ProblemKind.BAD_CHECKSUM, 1, s1.offset(3), s1.seq(3), s1.seq(3) - 1, StartUp.REFUSES)));
        }
        for (int field : new int[] {0, 5, 14, 17, 25, 35, 36, 37, 45, 73, -40, -2}) {
            cases.add(new Case("record field at " + field + " of the last record", d -> flipRecord(d, l, -1, field),
                    new Expect(ProblemKind.BAD_CHECKSUM, l, sl.offset(-1), sl.seq(-1), sl.seq(-1) - 1, StartUp.REFUSES)));
        }
        cases.add(new Case("a record in the middle of the active segment", d -> flipRecord(d, l, 2, -5),
                new Expect(ProblemKind.BAD_CHECKSUM, l, sl.offset(2), sl.seq(2), sl.seq(2) - 1, StartUp.REFUSES)));
        // Pages of the active segment (FORMAT.md, "Finding the end of valid data"): zeros or foreign bytes
        // where records were, with valid records after them. Only the last group's records say that the
        // bytes before them were not yet synced when they were written.
        int group = sl.offsets().size() - LAST_GROUP;
        long tornPage = pageAfter(sl.offset(group));
        int tornAt = recordAt(sl, tornPage);
        // The last group is one batch: a torn write anywhere in it cuts it whole.
        cases.add(new Case("a page of the last group's writes zeroed, later pages kept (a power loss)",
                d -> zeroPage(d, l, tornPage),
                new Expect(ProblemKind.TORN_TAIL, l, sl.offset(group), sl.seq(group), sl.seq(group) - 1,
                        StartUp.CUTS)));
        cases.add(new Case("the last segment rewritten as version 3: its batch's records are of a type it has not",
                d -> rewriteHeader(d.resolve(sl.name()), h -> h.putShort(8, (short) 3), true),
                new Expect(ProblemKind.BAD_CHECKSUM, l, sl.offset(group), sl.seq(group), sl.seq(group) - 1,
                        StartUp.REFUSES)));
        cases.add(new Case("the last batch cut between its records", d -> truncate(d, l, sl.offset(-2)),
                new Expect(ProblemKind.TORN_TAIL, l, sl.offset(group), sl.seq(group), sl.seq(group) - 1,
                        StartUp.CUTS)));
        cases.add(new Case("a page of the last group's writes overwritten with another segment's bytes",
                d -> copyPage(d, 1, l, tornPage),
                new Expect(ProblemKind.BAD_CHECKSUM, l, sl.offset(tornAt), sl.seq(tornAt), sl.seq(tornAt) - 1,
                        StartUp.REFUSES)));
        long syncedPage = pageAfter(sl.offset(1));
        int syncedAt = recordAt(sl, syncedPage);
        assertTrue(syncedPage + 4096 < sl.offset(group), "a page of synced records");
        cases.add(new Case("a page of synced records zeroed", d -> zeroPage(d, l, syncedPage),
                new Expect(ProblemKind.BAD_CHECKSUM, l, sl.offset(syncedAt), sl.seq(syncedAt), sl.seq(syncedAt) - 1,
                        StartUp.REFUSES)));
        cases.add(new Case("a page of synced records overwritten with another segment's bytes",
                d -> copyPage(d, 1, l, syncedPage),
                new Expect(ProblemKind.BAD_CHECKSUM, l, sl.offset(syncedAt), sl.seq(syncedAt), sl.seq(syncedAt) - 1,
                        StartUp.REFUSES)));
        cases.add(new Case("a bit flipped in the last group's records", d -> flipRecord(d, l, group + 1, 150),
                new Expect(ProblemKind.BAD_CHECKSUM, l, sl.offset(group + 1), sl.seq(group + 1), sl.seq(group + 1) - 1,
                        StartUp.REFUSES)));
        // Records re-sealed: rules 5 to 7.
        cases.add(new Case("payload, CRC re-sealed", d -> resealRecord(d, 1, 3, -3),
                new Expect(ProblemKind.BAD_HASH, 1, s1.offset(3), s1.seq(3), s1.seq(3) - 1, StartUp.BLIND)));
        cases.add(new Case("seq, CRC re-sealed", d -> resealRecord(d, 1, 3, 23),
                new Expect(ProblemKind.SEQ_GAP, 1, s1.offset(3), s1.seq(3), s1.seq(3) - 1, StartUp.REFUSES)));
        cases.add(new Case("SHA-256 field, CRC re-sealed", d -> resealRecord(d, 1, 3, 50),
                new Expect(ProblemKind.CHAIN_BREAK, 1, s1.offset(3), s1.seq(3), s1.seq(3) - 1, StartUp.BLIND)));
        cases.add(new Case("time, CRC re-sealed", d -> resealRecord(d, 1, 3, 30),
                new Expect(ProblemKind.CHAIN_BREAK, 1, s1.offset(3), s1.seq(3), s1.seq(3) - 1, StartUp.BLIND)));
        cases.add(new Case("payload of the last record, CRC re-sealed", d -> resealRecord(d, l, -1, -3),
                new Expect(ProblemKind.BAD_HASH, l, sl.offset(-1), sl.seq(-1), sl.seq(-1) - 1, StartUp.REFUSES)));
        // Trailers.
        long t1 = s1.dataEnd();
        for (int field : new int[] {4, 9, 20, 30, 60}) {
            cases.add(new Case("trailer byte " + field, d -> flip(d, 1, t1 + field, 0),
                    new Expect(ProblemKind.BAD_CHECKSUM, 1, t1, s1.last() + 1, s1.last(), StartUp.REFUSES)));
        }
        cases.add(new Case("trailer magic", d -> flip(d, 1, t1, 0),
                new Expect(ProblemKind.MISSING_TRAILER, 1, t1, s1.last() + 1, s1.last(), StartUp.REFUSES)));
        for (int field : new int[] {15, 23, 30, 63}) {
            cases.add(new Case("trailer field at " + field + ", re-sealed", d -> resealTrailer(d, 1, field),
                    new Expect(ProblemKind.BAD_TRAILER, 1, t1, s1.last(), s1.last(),
                            field == 30 ? StartUp.REFUSES_AT_NEXT_LINK : StartUp.REFUSES)));
        }
        // Truncation inside each part.
        cases.add(new Case("the active segment cut inside its header", d -> truncate(d, l, 60),
                new Expect(ProblemKind.TORN_TAIL, l, 0, 0, seg(l - 1).last(), StartUp.CUTS)));
        cases.add(new Case("a sealed segment cut inside its header", d -> truncate(d, 1, 60),
                new Expect(ProblemKind.BAD_SEGMENT_HEADER, 1, 0, s1.first(), s1.first() - 1, StartUp.REFUSES)));
        cases.add(new Case("the active segment cut inside its last record", d -> truncate(d, l, sl.offset(-1) + 90),
                new Expect(ProblemKind.TORN_TAIL, l, sl.offset(group), sl.seq(group), sl.seq(group) - 1,
                        StartUp.CUTS)));
        cases.add(new Case("the active segment cut inside a record's length", d -> truncate(d, l, sl.offset(-1) + 10),
                new Expect(ProblemKind.TORN_TAIL, l, sl.offset(group), sl.seq(group), sl.seq(group) - 1,
                        StartUp.CUTS)));
        cases.add(new Case("a sealed segment cut inside its trailer", d -> truncate(d, 1, t1 + 30),
                new Expect(ProblemKind.MISSING_TRAILER, 1, t1, s1.last() + 1, s1.last(), StartUp.REFUSES)));
        cases.add(new Case("a sealed segment cut inside a record", d -> truncate(d, 1, s1.offset(5) + 50),
                new Expect(ProblemKind.MISSING_TRAILER, 1, s1.offset(5), s1.seq(5), s1.seq(5) - 1, StartUp.REFUSES)));
        cases.add(new Case("the fill cut to two bytes", d -> truncate(d, l, sl.dataEnd() + 2), clean()));
        cases.add(new Case("the fill cut off", d -> truncate(d, l, sl.dataEnd()), clean()));
        // Garbage and zeros after records, after the fill and after a trailer.
        byte[] garbage = "not a record, just bytes".getBytes(StandardCharsets.US_ASCII);
        cases.add(new Case("zeros after the fill", d -> append(d, l, new byte[5000]), clean()));
        cases.add(new Case("garbage after the fill", d -> append(d, l, garbage),
                new Expect(ProblemKind.TORN_TAIL, l, sl.dataEnd(), sl.last() + 1, sl.last(), StartUp.CUTS)));
        cases.add(new Case("garbage right after the last record", d -> {
            truncate(d, l, sl.dataEnd());
            append(d, l, garbage);
        }, new Expect(ProblemKind.TORN_TAIL, l, sl.dataEnd(), sl.last() + 1, sl.last(), StartUp.CUTS)));
        cases.add(new Case("a page of zeros in the fill, then garbage", d -> {
            append(d, l, new byte[4096]);
            append(d, l, garbage);
        }, new Expect(ProblemKind.TORN_TAIL, l, sl.dataEnd(), sl.last() + 1, sl.last(), StartUp.CUTS)));
        cases.add(new Case("zeros after a middle segment's trailer", d -> append(d, 1, new byte[100]),
                new Expect(ProblemKind.TORN_TAIL, 1, s1.size(), s1.last() + 1, last().last(), StartUp.CUTS)));
        cases.add(new Case("garbage after a middle segment's trailer", d -> append(d, 2, garbage),
                new Expect(ProblemKind.TORN_TAIL, 2, s2.size(), s2.last() + 1, last().last(), StartUp.CUTS)));
        // Short, missing, renamed and duplicated segments.
        cases.add(new Case("a middle segment missing", d -> delete(d, 2),
                new Expect(ProblemKind.SEQ_GAP, 3, 0, s2.first(), s1.last(), StartUp.REFUSES)));
        cases.add(new Case("the first segment missing", d -> delete(d, 0),
                new Expect(ProblemKind.SEQ_GAP, 1, 0, 1, 0, StartUp.REFUSES)));
        cases.add(new Case("the last segment missing (a log that just rotated looks the same)", d -> delete(d, l),
                new Expect(null, 0, 0, 0, seg(l - 1).last(), StartUp.OPENS)));
        cases.add(new Case("a segment renamed", d -> rename(d, 2, SegmentNames.name(s2.first() + 1)),
                new Expect(ProblemKind.BAD_SEGMENT_NAME, 2, 0, s2.first(), s2.first() - 1, StartUp.REFUSES)));
        cases.add(new Case("a sealed segment duplicated after the last", d -> copy(d, 1, SegmentNames.name(sl.last() + 1)),
                new Expect(ProblemKind.MISSING_TRAILER, l, sl.dataEnd(), sl.last() + 1, sl.last(), StartUp.REFUSES)));
        return cases;
    }

    private static Expect clean() {
        return new Expect(null, 0, 0, 0, last().last(), StartUp.OPENS);
    }

    private void check(Case c) throws Exception {
        Path dir = tmp.resolve("case-" + Math.abs(c.name().hashCode()) + "-" + System.nanoTime());
        copyTree(base, dir);
        c.damage().accept(dir);
        Expect e = c.expect();
        String where = e.kind() == null ? "clean" : e.kind().code() + " in " + fileOf(dir, e.segment()) + " at offset "
                + e.offset() + " seq " + e.seq();
        assertEquals(where, verify(dir), "verify");
        assertEquals(where + ", records to seq " + e.lastValid(), dump(dir) , "dump");
        assertEquals(e.kind() == null ? "clean" : e.kind().code() + " in " + fileOf(dir, e.segment()),
                dumpSegments(dir), "dump --segments");
        assertEquals(where, cursor(dir, e), "cursor");
        if (READER != null) {
            assertEquals(where + ", records to seq " + e.lastValid(), independentReader(dir),
                    "contrib/afterme-read.py, a reader that relies on FORMAT.md alone");
        }
        assertEquals(recoverAnswer(e, dir), recoverDryRun(dir), "recover --dry-run");
        assertEquals(startUpAnswer(e, where), startUp(dir), "start-up");
    }

    /** The file of the segment at that place: its name in the real log, or what took its place (a rename). */
    private static String fileOf(Path dir, int segment) {
        String name = SEGS.get(segment).name();
        if (Files.exists(dir.resolve(name))) {
            return name;
        }
        try {
            return Segments.list(dir).get(segment).getFileName().toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(Problem p) {
        return p == null ? "clean" : p.kind().code() + " in " + p.segment() + " at offset " + p.offset() + " seq "
                + p.seq();
    }

    private static String verify(Path dir) throws IOException {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new VerifyCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(new StringWriter()));
        int exit = cl.execute(dir.toString(), "--json");
        JsonNode report = JSON.readTree(out.toString());
        JsonNode problems = report.get("problems");
        assertEquals(problems.isEmpty() ? 0 : 1, exit, "verify's exit code");
        if (problems.isEmpty()) {
            return "clean";
        }
        JsonNode p = problems.get(0);
        return p.get("kind").asText() + " in " + p.get("segment").asText() + " at offset " + p.get("offset").asLong()
                + " seq " + p.get("seq").asLong();
    }

    /** The first problem dump reports and the last record it prints (they must run from seq 1, unbroken). */
    private static String dump(Path dir) throws IOException {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new DumpCommand(records));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(dir.toString());
        long seq = 0;
        for (String line : records.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                long s = JSON.readTree(line).get("seq").asLong();
                assertEquals(seq + 1, s, "dump prints records in order, none skipped");
                seq = s;
            }
        }
        Matcher m = PROBLEM.matcher(err.toString());
        String first = m.find() ? m.group(4) + " in " + m.group(1) + " at offset " + m.group(2) + " seq "
                + (m.group(3) == null ? "0" : m.group(3)) : "clean";
        assertEquals(first.equals("clean") ? 0 : 1, exit, "dump's exit code: " + err);
        return first + ", records to seq " + seq;
    }

    /**
     * The first problem {@code dump --segments} reports, where it goes on to print every segment: nothing is
     * left out, so it says nothing of records not shown.
     */
    private static String dumpSegments(Path dir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new DumpCommand(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(dir.toString(), "--segments");
        String lines = out.toString(StandardCharsets.UTF_8);
        assertEquals(Segments.list(dir).size(), lines.lines().count(), "one line a segment: " + lines);
        assertFalse(err.toString().contains("not shown"), err.toString());
        Matcher m = PROBLEM.matcher(err.toString());
        String first = m.find() ? m.group(4) + " in " + m.group(1) : "clean";
        assertEquals(first.equals("clean") ? 0 : 1, exit, "dump --segments' exit code: " + err);
        return first;
    }

    /**
     * The reader in another language that relies on FORMAT.md alone, run by python3 when the machine has
     * one: the format's documentation must be precise enough for it to tell the same story.
     */
    private static final Path READER = python3() ? Path.of("..", "contrib", "afterme-read.py").toAbsolutePath() : null;

    private static boolean python3() {
        try {
            return new ProcessBuilder("python3", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** What the independent reader says: its first problem and the last record it printed before it. */
    private static String independentReader(Path dir) throws Exception {
        Process p = new ProcessBuilder("python3", READER.toString(), dir.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        long seq = 0;
        for (String line : out.split("\n")) {
            if (!line.isEmpty()) {
                long s = JSON.readTree(line).get("seq").asLong();
                assertEquals(seq + 1, s, "the reader prints records in order, none skipped");
                seq = s;
            }
        }
        Matcher m = PROBLEM.matcher(err);
        String first = m.find() ? m.group(4) + " in " + m.group(1) + " at offset " + m.group(2) + " seq "
                + (m.group(3) == null ? "0" : m.group(3)) : "clean";
        assertEquals(first.equals("clean") ? 0 : 1, exit, "the reader's exit code: " + err);
        return first + ", records to seq " + seq;
    }

    /** The cursor from seq 1 to where it stops; it must stop at the expected record. */
    private static String cursor(Path dir, Expect e) throws IOException {
        long seq = 0;
        Problem problem = null;
        try (LogCursor cursor = new LogCursor(dir, 1, true)) {
            try {
                for (LogRecord r = cursor.next(); r != null; r = cursor.next()) {
                    seq = r.seq();
                }
                problem = cursor.leftover();
            } catch (LogFormatException x) {
                problem = x.problem();
            }
        }
        boolean halfCreated = e.kind() == ProblemKind.TORN_TAIL && e.offset() == 0;
        boolean afterTrailer = e.kind() == ProblemKind.TORN_TAIL && e.segment() < lastIndex();
        if (halfCreated || afterTrailer) {
            // A segment being created is waited for; bytes after a trailer hold no record and are not read.
            assertEquals(null, problem, "the cursor reads past " + e);
            assertEquals(e.lastValid(), seq, "records the cursor read");
            return e.kind().code() + " in " + fileOf(dir, e.segment()) + " at offset " + e.offset() + " seq " + e.seq();
        }
        assertEquals(e.lastValid(), seq, "records the cursor read before " + describe(problem));
        return describe(problem);
    }

    private static String recoverAnswer(Expect e, Path dir) {
        if (e.kind() == null) {
            return "exit 0";
        }
        if (e.startUp() == StartUp.CUTS) {
            long keep = e.kind() == ProblemKind.TORN_TAIL && e.offset() == 0 ? 0 : e.offset();
            return "exit 1: would cut " + fileOf(dir, e.segment()) + " at offset " + keep;
        }
        return "exit 1: " + e.kind().code() + " in " + fileOf(dir, e.segment()) + " at offset " + e.offset() + " seq "
                + e.seq();
    }

    private static String recoverDryRun(Path dir) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new RecoverCommand());
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        int exit = cl.execute(dir.toString(), "--dry-run");
        if (exit == 0) {
            return "exit 0";
        }
        Matcher cut = Pattern.compile("would cut (\\S+) at offset (\\d+)").matcher(err.toString());
        if (cut.find()) {
            return "exit " + exit + ": would cut " + cut.group(1) + " at offset " + cut.group(2);
        }
        Matcher m = PROBLEM.matcher(err.toString());
        assertTrue(m.find(), err.toString());
        return "exit " + exit + ": " + m.group(4) + " in " + m.group(1) + " at offset " + m.group(2) + " seq "
                + (m.group(3) == null ? "0" : m.group(3));
    }

    private static String startUpAnswer(Expect e, String where) {
        return switch (e.startUp()) {
            case OPENS -> "opens at seq " + e.lastValid();
            case BLIND -> "opens at seq " + last().last();
            case REFUSES_AT_NEXT_LINK -> "refuses: chain_break in " + seg(e.segment() + 1).name() + " at offset 0 seq "
                    + seg(e.segment() + 1).first();
            case CUTS -> "opens at seq " + e.lastValid() + " after saving the cut";
            case REFUSES -> "refuses: " + where;
        };
    }

    private static String startUp(Path dir) throws IOException {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            boolean saved = Files.isDirectory(dir.resolve("recovered"));
            return "opens at seq " + log.lastSeq() + (saved ? " after saving the cut" : "");
        } catch (LogFormatException x) {
            return "refuses: " + describe(x.problem());
        }
    }

    // ---- damage ----

    private static Path file(Path dir, int segment) {
        return dir.resolve(SEGS.get(segment).name());
    }

    private static void flip(Path dir, int segment, long offset, int bit) {
        edit(file(dir, segment), b -> b[(int) offset] ^= (byte) (1 << bit));
    }

    /** Flips a bit of a record's byte: {@code field} from its start, or from its end when negative. */
    private static void flipRecord(Path dir, int segment, int k, int field) {
        Seg s = SEGS.get(segment);
        long at = recordByte(s, k, field);
        edit(file(dir, segment), b -> b[(int) at] ^= (byte) (field == 36 ? 2 : 1));
    }

    private static long recordByte(Seg s, int k, int field) {
        long start = s.offset(k);
        int index = k < 0 ? s.offsets().size() + k : k;
        long end = index + 1 < s.offsets().size() ? s.offsets().get(index + 1) : s.dataEnd();
        return field >= 0 ? start + field : end + field;
    }

    /** Changes a record's byte and computes its CRC32C again, so that only rules 5 to 7 can tell. */
    private static void resealRecord(Path dir, int segment, int k, int field) {
        Seg s = SEGS.get(segment);
        long at = recordByte(s, k, field);
        int start = (int) s.offset(k);
        edit(file(dir, segment), b -> {
            b[(int) at] ^= (byte) 1;
            int length = ByteBuffer.wrap(b).getInt(start + 8);
            CRC32C crc = new CRC32C();
            crc.update(b, start + 8, length - 8);
            ByteBuffer.wrap(b).putInt(start + 4, (int) crc.getValue());
        });
    }

    private static void resealTrailer(Path dir, int segment, int field) {
        int at = (int) SEGS.get(segment).dataEnd();
        edit(file(dir, segment), b -> {
            b[at + field] ^= (byte) 1;
            CRC32C crc = new CRC32C();
            crc.update(b, at + 8, Trailer.LENGTH - 8);
            ByteBuffer.wrap(b).putInt(at + 4, (int) crc.getValue());
        });
    }

    private static void rewriteHeader(Path file, Consumer<ByteBuffer> change, boolean reseal) {
        edit(file, b -> {
            ByteBuffer h = ByteBuffer.wrap(b, 0, SegmentHeader.LENGTH);
            change.accept(h);
            if (reseal) {
                CRC32C crc = new CRC32C();
                crc.update(b, 0, SegmentHeader.LENGTH - 4);
                h.putInt(SegmentHeader.LENGTH - 4, (int) crc.getValue());
            }
        });
    }

    /** The start of the first file page at or after {@code offset}. */
    private static long pageAfter(long offset) {
        return (offset + 4095) / 4096 * 4096;
    }

    /** The index of the record of {@code s} whose bytes hold {@code offset}. */
    private static int recordAt(Seg s, long offset) {
        int k = 0;
        while (k + 1 < s.offsets().size() && s.offsets().get(k + 1) <= offset) {
            k++;
        }
        return k;
    }

    private static void zeroPage(Path dir, int segment, long page) {
        edit(file(dir, segment), b -> Arrays.fill(b, (int) page, (int) page + 4096, (byte) 0));
    }

    /** Overwrites a page of {@code segment} with the same page of segment {@code from}. */
    private static void copyPage(Path dir, int from, int segment, long page) {
        try {
            byte[] source = Files.readAllBytes(file(dir, from));
            edit(file(dir, segment), b -> System.arraycopy(source, (int) page, b, (int) page, 4096));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void truncate(Path dir, int segment, long size) {
        edit(file(dir, segment), b -> { }, size);
    }

    private static void append(Path dir, int segment, byte[] bytes) {
        try {
            Path f = file(dir, segment);
            byte[] b = Files.readAllBytes(f);
            byte[] out = Arrays.copyOf(b, b.length + bytes.length);
            System.arraycopy(bytes, 0, out, b.length, bytes.length);
            Files.write(f, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void delete(Path dir, int segment) {
        try {
            Files.delete(file(dir, segment));
            Files.deleteIfExists(SegmentNames.indexFor(file(dir, segment)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void rename(Path dir, int segment, String name) {
        try {
            Files.move(file(dir, segment), dir.resolve(name));
            Files.deleteIfExists(SegmentNames.indexFor(file(dir, segment)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copy(Path dir, int segment, String name) {
        try {
            Files.copy(file(dir, segment), dir.resolve(name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void edit(Path file, Consumer<byte[]> change) {
        edit(file, change, -1);
    }

    private static void edit(Path file, Consumer<byte[]> change, long size) {
        try {
            byte[] b = Files.readAllBytes(file);
            change.accept(b);
            Files.write(file, size < 0 ? b : Arrays.copyOf(b, (int) size));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("LOCK"))
                    .toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
