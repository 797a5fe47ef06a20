package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.LogCursor;
import afterme.format.LogRecord;
import afterme.format.LogVerifier;
import afterme.format.SegmentScan;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.format.Storage;
import afterme.format.Trailer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's fill (FORMAT.md, "Fill"): small writes go into zeros written ahead of them, so their
 * fsyncs have no file size to write; large writes, seals and reopenings leave files every reader takes
 * for what they are. On real files: the point of the fill is what the file system does with it.
 */
class FillTest {
    @TempDir
    Path dir;

    private LogConfig config(long segmentSize) {
        return LogConfig.defaults(dir).withSegmentSize(segmentSize).withFlush(Duration.ofMillis(5), 1 << 20);
    }

    private static AppendResult append(Log log, byte[] payload) throws Exception {
        return log.submit(Append.of(payload, Ack.DURABLE)).durable.get();
    }

    private static SegmentScan scanLast(Path dir) throws Exception {
        List<Path> segments = Segments.list(dir);
        return SegmentScanner.scan(segments.get(segments.size() - 1), true);
    }

    @Test
    void smallDurableAppendsGoIntoTheFillWithoutGrowingTheFile() throws Exception {
        try (Log log = Log.open(config(LogConfig.DEFAULT_SEGMENT_SIZE))) {
            append(log, "first".getBytes(StandardCharsets.UTF_8));
            Path segment = Segments.list(dir).get(0);
            long size = Files.size(segment);
            SegmentScan s = SegmentScanner.scan(segment, true);
            assertEquals(SegmentScan.End.CLEAN, s.end());
            assertTrue(s.fillBytes() > ActiveSegment.SMALL_WRITE_ALONE, "a fill follows the first record: " + s.fillBytes());
            for (int i = 0; i < 100; i++) {
                append(log, new byte[1000]);
            }
            assertEquals(size, Files.size(segment), "100 KB of appends into the fill left the size alone");
            SegmentScan after = scanLast(dir);
            assertEquals(101, after.recordCount());
            assertEquals(after.dataEnd(), log.bytes(segment), "the log's bytes are its records', not its fill's");
        }
    }

    @Test
    void appendsNobodyWaitsDurableForLeaveNoFill() throws Exception {
        try (Log log = Log.open(config(LogConfig.DEFAULT_SEGMENT_SIZE))) {
            for (int i = 0; i < 50; i++) {
                log.submit(Append.of(new byte[100], Ack.MEMORY)).written.get();
            }
            SegmentScan s = scanLast(dir);
            assertEquals(50, s.recordCount());
            assertEquals(0, s.fillBytes(), "their fsyncs run in the background: a fill would gain nobody time");
        }
    }

    @Test
    void largeAppendsGrowTheFileWithoutAFill() throws Exception {
        try (Log log = Log.open(config(LogConfig.DEFAULT_SEGMENT_SIZE))) {
            for (int i = 0; i < 4; i++) {
                append(log, new byte[ActiveSegment.FILL_BYTES]);
            }
            SegmentScan s = scanLast(dir);
            assertEquals(0, s.fillBytes());
            assertEquals(s.dataEnd(), s.fileSize());
            assertEquals(4, s.recordCount());
        }
    }

    @Test
    void aClientWritingAloneKeepsAFillUnderItsWritesOf64KiB() throws Exception {
        try (Log log = Log.open(config(LogConfig.DEFAULT_SEGMENT_SIZE))) {
            for (int i = 0; i < 20; i++) {
                append(log, new byte[64 << 10]);
                SegmentScan s = scanLast(dir);
                assertTrue(s.fillBytes() > 0, "a fill follows append " + (i + 1));
            }
        }
    }

    /** Written as the writer writes a group that many appends share, and as it writes one client's alone. */
    @Test
    void aGroupOfManyAppendsKeepsAFillOnlyUnder32KiB() throws Exception {
        try (ActiveSegment shared = ActiveSegment.create(Storage.DEFAULT, Files.createDirectory(dir.resolve("shared")),
                UUID.randomUUID(), 1, new byte[32], 1L << 30);
             ActiveSegment alone = ActiveSegment.create(Storage.DEFAULT, Files.createDirectory(dir.resolve("alone")),
                     UUID.randomUUID(), 1, new byte[32], 1L << 30)) {
            shared.append(new ByteBuffer[] {ByteBuffer.wrap(new byte[40 << 10])}, ActiveSegment.SMALL_WRITE_SHARED, null);
            assertEquals(shared.size(), Files.size(shared.file), "a group of 40 KiB is written past any fill");
            shared.append(new ByteBuffer[] {ByteBuffer.wrap(new byte[8 << 10])}, ActiveSegment.SMALL_WRITE_SHARED, null);
            assertEquals(shared.size() + ActiveSegment.FILL_BYTES, Files.size(shared.file),
                    "a group of 8 KiB keeps a fill ahead");
            alone.append(new ByteBuffer[] {ByteBuffer.wrap(new byte[40 << 10])}, ActiveSegment.SMALL_WRITE_ALONE, null);
            assertEquals(alone.size() + ActiveSegment.FILL_BYTES, Files.size(alone.file),
                    "one client's write of 40 KiB keeps a fill ahead");
        }
    }

    @Test
    void theFillStaysInsideTheSegmentSizeAndSealingCutsItOff() throws Exception {
        long segmentSize = 48 << 10;
        try (Log log = Log.open(config(segmentSize))) {
            for (int i = 0; i < 300; i++) {
                append(log, ("record " + i + " " + "x".repeat(i * 7 % 900)).getBytes(StandardCharsets.UTF_8));
                for (Path p : Segments.list(dir)) {
                    assertTrue(Files.size(p) <= segmentSize, p + " is " + Files.size(p) + " bytes");
                }
            }
            List<Path> segments = Segments.list(dir);
            assertTrue(segments.size() > 2, "it rotated: " + segments);
            for (Path sealed : segments.subList(0, segments.size() - 1)) {
                SegmentScan s = SegmentScanner.scan(sealed, true);
                assertEquals(SegmentScan.End.SEALED, s.end(), sealed.toString());
                assertEquals(s.dataEnd() + Trailer.LENGTH, s.fileSize(), "no fill before the trailer of " + sealed);
            }
            assertTrue(scanLast(dir).fillBytes() > 0);
        }
        assertTrue(LogVerifier.verify(Segments.list(dir), true).clean());
    }

    @Test
    void aReopenedLogWritesOnIntoItsFill() throws Exception {
        try (Log log = Log.open(config(LogConfig.DEFAULT_SEGMENT_SIZE))) {
            append(log, "one".getBytes(StandardCharsets.UTF_8));
            append(log, "two".getBytes(StandardCharsets.UTF_8));
        }
        long size = Files.size(Segments.list(dir).get(0));
        try (Log log = Log.open(config(LogConfig.DEFAULT_SEGMENT_SIZE))) {
            assertEquals(0, log.repairs().size(), "a fill is not a torn tail");
            assertEquals(3, append(log, "three".getBytes(StandardCharsets.UTF_8)).firstSeq());
        }
        assertEquals(size, Files.size(Segments.list(dir).get(0)));
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (String expected : new String[] {"one", "two", "three"}) {
                LogRecord r = c.next();
                assertEquals(expected, new String(r.payload(), StandardCharsets.UTF_8));
            }
            assertEquals(null, c.next());
        }
        assertTrue(LogVerifier.verify(Segments.list(dir), true).clean());
    }

    /**
     * Readers racing the writer: records are written into bytes a reader may have just read as zeros,
     * and a reader can find one half-copied. Reading the live log over and over while it is appended to
     * must end at the last whole record every time, never report damage.
     */
    @Test
    void readersRacingTheWriterSeeWholeRecordsOrTheEndNeverDamage() throws Exception {
        try (Log log = Log.open(config(512 << 10))) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                Random random = new Random(7);
                for (int i = 0; !stop.get(); i++) {
                    byte[] payload = new byte[1 + random.nextInt(40_000)];
                    Arrays.fill(payload, (byte) 'x');
                    try {
                        // Every fourth waits durable, which keeps a fill ahead for the others to be written into.
                        log.submit(Append.of(payload, i % 4 == 0 ? Ack.DURABLE : Ack.MEMORY)).written.get();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            writer.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            int reads = 0;
            try {
                while (System.nanoTime() < deadline) {
                    long seq = 0;
                    try (LogCursor c = new LogCursor(dir, 1, true)) {
                        for (LogRecord r = c.next(); r != null; r = c.next()) {
                            assertEquals(++seq, r.seq());
                        }
                    }
                    if (reads++ % 8 == 0) {
                        LogVerifier.Report report = LogVerifier.verify(Segments.list(dir), false);
                        assertTrue(report.clean(), report.problems().toString());
                    }
                }
            } finally {
                stop.set(true);
                writer.join();
            }
            assertTrue(reads > 10, "the log was read " + reads + " times");
        }
    }
}
