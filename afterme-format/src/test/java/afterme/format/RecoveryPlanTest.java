package afterme.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code recover --truncate-at-seq N}: what it cuts, and that a seq past the log's end cuts nothing. */
class RecoveryPlanTest extends InMemoryLogTest {
    private static final int FILL = 64 << 10;

    @Test
    void aSeqInTheLogIsCutWithEverythingAfterIt() throws IOException {
        SegmentBuilder b = new SegmentBuilder().addText("one", "two", "three");
        byte[] data = b.bytes();
        write(Arrays.copyOf(data, data.length + FILL));
        List<RecoveryPlan.Cut> cuts = RecoveryPlan.truncateAt(List.of(first), 2).cuts();
        assertEquals(1, cuts.size());
        assertEquals(b.offsets.get(1), cuts.get(0).keepBytes());
        assertEquals(data.length + FILL - b.offsets.get(1), cuts.get(0).removeBytes());
    }

    @Test
    void aSeqPastTheEndCutsNeitherRecordsNorTheFill() throws IOException {
        byte[] data = new SegmentBuilder().addText("one", "two", "three").bytes();
        write(Arrays.copyOf(data, data.length + FILL));
        assertTrue(RecoveryPlan.truncateAt(List.of(first), 4).cuts().isEmpty());
        assertTrue(RecoveryPlan.truncateAt(List.of(first), 9).cuts().isEmpty());
    }

    @Test
    void aTornRecordAtTheSeqAskedForIsCut() throws IOException {
        SegmentBuilder b = new SegmentBuilder().addText("one", "two", "three", "four");
        long torn = b.offsets.get(3);
        write(Arrays.copyOf(b.bytes(), (int) torn + 20));
        List<RecoveryPlan.Cut> cuts = RecoveryPlan.truncateAt(List.of(first), 4).cuts();
        assertEquals(1, cuts.size());
        assertEquals(torn, cuts.get(0).keepBytes());
        assertEquals(20, cuts.get(0).removeBytes());
    }
}
