package afterme.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A version-2 segment's fill, as its live readers meet it: records are written into zeros the file
 * already holds, so the file's size says nothing and the zeros a reader saw a moment ago may now be a
 * record, half of one, or a trailer.
 */
class FillReadingTest extends InMemoryLogTest {
    private static final int FILL = 64 << 10;

    /** Writes the builder's records followed by {@link #FILL} zeros; returns where the records end. */
    private int writeWithFill(SegmentBuilder b) throws IOException {
        return writeWithFill(b, FILL);
    }

    private int writeWithFill(SegmentBuilder b, int fill) throws IOException {
        Files.createDirectories(dir);
        byte[] data = b.bytes();
        Files.write(first, Arrays.copyOf(data, data.length + fill));
        return data.length;
    }

    /** Writes bytes over the fill, in place, as the daemon's writer does. */
    private void writeAt(long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(first, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    @Test
    void theCursorStopsAtTheFillAndReadsWhatIsWrittenIntoItLater() throws IOException {
        SegmentBuilder b = new SegmentBuilder().addText("one", "two");
        int end = writeWithFill(b);
        try (LogCursor cursor = new LogCursor(dir, 1, true)) {
            assertEquals(1, cursor.next().seq());
            assertEquals(2, cursor.next().seq());
            assertNull(cursor.next(), "the fill is not a record");
            assertNull(cursor.leftover(), "nor a torn tail");
            byte[] withThird = b.addText("three").bytes();
            writeAt(end, Arrays.copyOfRange(withThird, end, withThird.length));
            LogRecord third = cursor.next();
            assertNotNull(third, "zeros read before are read again");
            assertEquals("three", new String(third.payload()));
            assertNull(cursor.next());
        }
    }

    @Test
    void aTornTailInTheFillSaysHowManyOfItsBytesAreZeros() throws IOException {
        int end = writeWithFill(new SegmentBuilder().addText("one"));
        writeAt(end + 100, new byte[] {7, 7, 7});
        try (LogCursor cursor = new LogCursor(dir, 1, true)) {
            assertEquals(1, cursor.next().seq());
            assertNull(cursor.next());
            Problem p = cursor.leftover();
            assertNotNull(p, "bytes other than zeros in the fill are a torn tail");
            assertEquals(ProblemKind.TORN_TAIL, p.kind());
            assertEquals(end, p.offset());
            assertTrue(p.message().startsWith(FILL + " bytes after the last valid record; the last " + (FILL - 103)
                    + " of them are zeros"), p.message());
        }
    }

    @Test
    void aRecordCaughtHalfWrittenIsWaitedForNotReportedAsDamage() throws IOException {
        SegmentBuilder b = new SegmentBuilder().addText("one");
        int end = writeWithFill(b);
        byte[] payload = new byte[300];
        Arrays.fill(payload, (byte) 0x55);
        // Its last byte is zero, as an unwritten one would be: once complete it must still read as a record.
        payload[payload.length - 1] = 0;
        byte[] whole = b.add(payload).bytes();
        byte[] second = Arrays.copyOfRange(whole, end, whole.length);
        for (int written = 1; written < second.length - 1; written++) {
            writeAt(end, Arrays.copyOf(second, written));
            try (LogCursor cursor = new LogCursor(dir, 1, true)) {
                assertEquals(1, cursor.next().seq());
                assertNull(cursor.next(), written + " bytes of the record written");
            }
        }
        writeAt(end, second);
        try (LogCursor cursor = new LogCursor(dir, 2, true)) {
            assertEquals(2, cursor.next().seq());
        }
    }

    @Test
    void aDamagedRecordBeforeTheFillIsStillDamage() throws IOException {
        SegmentBuilder b = new SegmentBuilder().addText("one", "two", "three");
        writeWithFill(b);
        byte[] bytes = Files.readAllBytes(first);
        int second = b.offsets.get(1).intValue();
        bytes[second + 60] ^= 1;
        Files.write(first, bytes);
        try (LogCursor cursor = new LogCursor(dir, 1, true)) {
            assertEquals(1, cursor.next().seq());
            LogFormatException e = assertThrows(LogFormatException.class, cursor::next);
            assertEquals(ProblemKind.BAD_CHECKSUM, e.problem().kind());
        }
    }

    @Test
    void aDamagedRecordThatLooksHalfWrittenIsDamageOutsideTheLastSegment() throws IOException {
        SegmentBuilder a = new SegmentBuilder().addText("one", "two!", "three");
        a.seal();
        Files.createDirectories(dir);
        byte[] sealed = a.bytes();
        // The last byte of "two!" zeroed: as a record caught half-written looks, but in a sealed segment.
        sealed[a.offsets.get(2).intValue() - 1] = 0;
        Files.write(first, sealed);
        SegmentBuilder b = new SegmentBuilder(a.logId, 4, a.chain()).addText("four");
        Files.write(dir.resolve(SegmentNames.name(4)), b.bytes());
        try (LogCursor cursor = new LogCursor(dir, 1, true)) {
            assertEquals(1, cursor.next().seq());
            LogFormatException e = assertThrows(LogFormatException.class, cursor::next);
            assertEquals(ProblemKind.BAD_CHECKSUM, e.problem().kind());
        }
    }

    @Test
    void sealingCutsTheFillAndTheCursorMovesToTheNextSegment() throws IOException {
        SegmentBuilder a = new SegmentBuilder().addText("one", "two");
        int end = writeWithFill(a);
        try (LogCursor cursor = new LogCursor(dir, 1, true)) {
            assertEquals(1, cursor.next().seq());
            assertEquals(2, cursor.next().seq());
            assertNull(cursor.next());
            // The writer's seal: cut the fill, write the trailer; then the next segment.
            try (FileChannel ch = FileChannel.open(first, StandardOpenOption.WRITE)) {
                ch.truncate(end);
                ch.write(ByteBuffer.wrap(new Trailer(2, 2, a.chain(), end).encode()), end);
            }
            SegmentBuilder b = new SegmentBuilder(a.logId, 3, a.chain()).addText("three");
            byte[] next = b.bytes();
            Files.write(dir.resolve(SegmentNames.name(3)), Arrays.copyOf(next, next.length + FILL));
            LogRecord third = cursor.next();
            assertNotNull(third);
            assertEquals(3, third.seq());
            assertNull(cursor.next());
        }
    }

    @Test
    void verifyGivesARecordCaughtHalfWrittenTimeToBeFinished() throws Exception {
        SegmentBuilder b = new SegmentBuilder().addText("one");
        int end = writeWithFill(b);
        byte[] whole = b.addText("two, being written as verify starts").bytes();
        byte[] second = Arrays.copyOfRange(whole, end, whole.length);
        writeAt(end, Arrays.copyOf(second, second.length / 2));
        Thread finisher = new Thread(() -> {
            try {
                Thread.sleep(20);
                writeAt(end, second);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        finisher.start();
        LogVerifier.Report report = LogVerifier.verify(Segments.list(dir), true);
        finisher.join();
        assertTrue(report.clean(), report.problems().toString());
        assertEquals(2, report.lastSeq());
    }

    /**
     * The writer seals the segment while verify walks it: the fill is cut off and the file ends sooner
     * than it did when the walk began. Verify reads the sealed segment again instead of failing.
     */
    @Test
    void verifyReadsASegmentSealedUnderItAgain() throws IOException {
        SegmentBuilder b = new SegmentBuilder().addText("one", "two");
        // A fill longer than a read window: verify reads its end afresh once the records are behind it.
        int end = writeWithFill(b, SegmentWindow.DEFAULT_CAPACITY + FILL);
        boolean[] sealed = {false};
        LogVerifier.Report report = LogVerifier.verify(Segments.list(dir), true, (done, total) -> {
            if (done == end && !sealed[0]) {
                sealed[0] = true;
                try (FileChannel ch = FileChannel.open(first, StandardOpenOption.WRITE)) {
                    ch.truncate(end);
                    ch.write(ByteBuffer.wrap(new Trailer(2, 2, b.chain(), end).encode()), end);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
        assertTrue(sealed[0], "the walk reached the end of the records");
        assertTrue(report.clean(), report.problems().toString());
        assertEquals(2, report.lastSeq());
        assertEquals(SegmentScan.End.SEALED, report.scans().get(0).end());
    }

    /**
     * Verify lists the segments between the writer creating the next one and writing its header: the
     * last segment is empty for an instant, as a crash while creating it would leave it for good.
     */
    @Test
    void verifyGivesASegmentBeingCreatedTimeForItsHeader() throws Exception {
        SegmentBuilder a = new SegmentBuilder().addText("one", "two").seal();
        Files.createDirectories(dir);
        Files.write(first, a.bytes());
        Path next = dir.resolve(SegmentNames.name(3));
        Files.createFile(next);
        byte[] header = Arrays.copyOf(new SegmentBuilder(a.logId, 3, a.chain()).bytes(), SegmentHeader.LENGTH);
        Thread creator = new Thread(() -> {
            try {
                Thread.sleep(2);
                Files.write(next, header);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // Started as verify walks the segment before, a moment before it comes to the empty one.
        LogVerifier.Report report = LogVerifier.verify(Segments.list(dir), true, (done, total) -> {
            if (creator.getState() == Thread.State.NEW) {
                creator.start();
            }
        });
        creator.join();
        assertTrue(report.clean(), report.problems().toString());
        assertEquals(2, report.lastSeq());
    }

    @Test
    void verifyTakesTheFillForTheEndOfTheRecords() throws IOException {
        int end = writeWithFill(new SegmentBuilder().addText("one", "two"));
        LogVerifier.Report report = LogVerifier.verify(Segments.list(dir), true);
        assertTrue(report.clean(), report.problems().toString());
        assertEquals(2, report.lastSeq());
        assertEquals(end, report.bytes(), "the fill is not counted as the log's bytes");
    }
}
