package afterme.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A batch is appended whole or not at all (format version 4): a batch whose last record never reached the
 * file, whatever else a crash left after its records, is a torn tail from its first record; no reader hands
 * out part of one, and a cut asked for inside one takes the batch whole.
 */
class BatchTest extends InMemoryLogTest {
    /** Seqs 1 and 2 alone, then the batch of seqs 3 to 5. */
    private static SegmentBuilder twoThenABatch() {
        return new SegmentBuilder().addText("one", "two").addBatch("three", "four", "five");
    }

    @Test
    void aWholeBatchIsRecordsLikeAnyOther() throws IOException {
        SegmentBuilder b = twoThenABatch();
        write(b.bytes());
        List<Long> seqs = new ArrayList<>();
        SegmentScan s = SegmentScanner.scan(first, true, r -> seqs.add(r.seq()), null);
        assertEquals(SegmentScan.End.CLEAN, s.end());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seqs);
        assertEquals(List.of(), s.problems());
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (long seq = 1; seq <= 5; seq++) {
                assertEquals(seq, c.next().seq());
            }
            assertNull(c.next());
            assertNull(c.leftover());
        }
    }

    /**
     * A write the writer did not finish, cut at every byte from the batch's first record to its end: what
     * is left of the batch is a torn tail at its first record, whether its records end whole or not, and
     * the scan, the cursor and the recovery plan agree on it.
     */
    @Test
    void aBatchCutAtEveryByteIsATornTailFromItsFirstRecord() throws IOException {
        SegmentBuilder b = twoThenABatch();
        byte[] whole = b.bytes();
        long batchAt = b.offsets.get(2);
        for (int cut = (int) batchAt + 1; cut < whole.length; cut++) {
            for (int fill : new int[] {0, 4096}) {
                String what = "cut at " + cut + ", fill " + fill;
                byte[] bytes = Arrays.copyOf(Arrays.copyOf(whole, cut), cut + fill);
                write(bytes);
                List<Long> seqs = new ArrayList<>();
                SegmentScan s = SegmentScanner.scan(first, true, r -> seqs.add(r.seq()), null);
                assertEquals(SegmentScan.End.TORN_TAIL, s.end(), what);
                assertEquals(List.of(1L, 2L), seqs, what);
                assertEquals(2, s.recordCount(), what);
                assertEquals(2, s.lastSeq(), what);
                assertEquals(batchAt, s.validEnd(), what);
                assertEquals(batchAt, s.dataEnd(), what);
                assertEquals(1, s.problems().size(), what);
                Problem p = s.problems().get(0);
                assertEquals(ProblemKind.TORN_TAIL, p.kind(), what);
                assertEquals(batchAt, p.offset(), what);
                assertEquals(3, p.seq(), what);
                // Once a record of the batch is whole, the message names the batch; before, the torn record.
                assertEquals(cut >= b.offsets.get(3), p.message().contains("a batch whose last record was never"
                        + " written"), p.message());

                try (LogCursor c = new LogCursor(dir, 1, true)) {
                    assertEquals(1, c.next().seq(), what);
                    assertEquals(2, c.next().seq(), what);
                    assertNull(c.next(), what + ": the cursor holds the unfinished batch back");
                    Problem left = c.leftover();
                    assertNotNull(left, what);
                    assertEquals(ProblemKind.TORN_TAIL, left.kind(), what);
                    assertEquals(batchAt, left.offset(), what);
                    assertEquals(3, left.seq(), what);
                }

                LogVerifier.Report report = LogVerifier.verify(List.of(first), true, (d, t) -> { }, false);
                RecoveryPlan plan = RecoveryPlan.of(report);
                assertFalse(plan.refused(), what);
                assertEquals(1, plan.cuts().size(), what);
                assertEquals(batchAt, plan.cuts().get(0).keepBytes(), what);
                assertEquals(bytes.length - batchAt, plan.cuts().get(0).removeBytes(), what);
            }
        }
    }

    @Test
    void aSalvageHandsOutTheRecordsOfAnUnfinishedBatch() throws IOException {
        write(new SegmentBuilder().addText("one").addOpenBatch("two", "three").bytes());
        List<Long> seqs = new ArrayList<>();
        SegmentScan s = SegmentScanner.salvage(first, r -> seqs.add(r.seq()));
        assertEquals(List.of(1L, 2L, 3L), seqs);
        assertEquals(ProblemKind.TORN_TAIL, s.problems().get(0).kind());
    }

    /** The cursor of a follower waits for the batch's last record, and hands the batch out once it is there. */
    @Test
    void theCursorHandsOutABatchOnlyOnceItsLastRecordIsWritten() throws IOException {
        SegmentBuilder b = twoThenABatch();
        byte[] whole = b.bytes();
        long lastAt = b.offsets.get(4);
        write(Arrays.copyOf(Arrays.copyOf(whole, (int) lastAt), whole.length + 4096));
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            assertEquals(1, c.next().seq());
            assertEquals(2, c.next().seq());
            assertNull(c.next());
            assertNull(c.next());
            try (FileChannel ch = FileChannel.open(first, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(whole, (int) lastAt, whole.length - (int) lastAt), lastAt);
            }
            assertEquals(3, c.next().seq());
            assertEquals(4, c.next().seq());
            assertEquals(5, c.next().seq());
            assertNull(c.next());
        }
        try (LogCursor c = new LogCursor(dir, 4, false)) {
            assertEquals(4, c.next().seq(), "a read from inside a batch starts there");
        }
    }

    /** Damage after a batch's records is damage, not a torn batch: readers hand the records out and stop at it. */
    @Test
    void damageAfterTheRecordsOfABatchIsReportedAsDamage() throws IOException {
        SegmentBuilder b = new SegmentBuilder().addText("one").addBatch("two", "three", "four");
        byte[] bytes = b.bytes();
        int lastAt = b.offsets.get(3).intValue();
        bytes[lastAt + 50] ^= 1;
        write(bytes);
        List<Long> seqs = new ArrayList<>();
        SegmentScan s = SegmentScanner.scan(first, true, r -> seqs.add(r.seq()), null);
        assertEquals(ProblemKind.BAD_CHECKSUM, s.problems().get(0).kind());
        assertEquals(lastAt, s.problems().get(0).offset());
        assertEquals(List.of(1L, 2L, 3L), seqs);
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            assertEquals(1, c.next().seq());
            assertEquals(2, c.next().seq());
            assertEquals(3, c.next().seq());
            LogFormatException e = assertThrows(LogFormatException.class, c::next);
            assertEquals(ProblemKind.BAD_CHECKSUM, e.problem().kind());
            assertEquals(lastAt, e.problem().offset());
        }
    }

    /** A batch never spans two segments: a trailer after a record that says more follow is refused. */
    @Test
    void aTrailerAfterARecordThatSaysMoreFollowIsABadTrailer() throws IOException {
        SegmentBuilder b = new SegmentBuilder().addText("one").addOpenBatch("two").seal();
        write(b.bytes());
        SegmentScan s = SegmentScanner.scan(first, true);
        assertEquals(SegmentScan.End.CORRUPT, s.end());
        assertEquals(ProblemKind.BAD_TRAILER, s.problems().get(0).kind());
        assertEquals(2, s.problems().get(0).seq());
    }

    /** An operator's cut inside a batch takes the batch from its first record, and says so. */
    @Test
    void aCutAskedForInsideABatchTakesTheWholeBatch() throws IOException {
        SegmentBuilder b = twoThenABatch();
        byte[] bytes = b.bytes();
        write(bytes);
        RecoveryPlan.Cut cut = RecoveryPlan.truncateAt(List.of(first), 4).cuts().get(0);
        assertEquals(b.offsets.get(2), cut.keepBytes());
        assertTrue(cut.why().contains("from seq 3, where its batch starts"), cut.why());
        RecoveryPlan.Cut atStart = RecoveryPlan.truncateAt(List.of(first), 3).cuts().get(0);
        assertEquals(b.offsets.get(2), atStart.keepBytes());
        assertEquals("seq 3 and later", atStart.why());
    }

    /** A segment of version 3 has no batch marks: a writer that goes on writing one writes records that stand alone. */
    @Test
    void aVersion3SegmentHoldsNothingBack() throws IOException {
        SegmentBuilder v3 = new SegmentBuilder(3, new UUID(1, 2), 1, new byte[32]).addText("one")
                .addOpenBatch("two");
        write(v3.bytes());
        SegmentScan s = SegmentScanner.scan(first, true);
        assertEquals(SegmentScan.End.CLEAN, s.end());
        assertEquals(2, s.lastSeq());
    }
}
