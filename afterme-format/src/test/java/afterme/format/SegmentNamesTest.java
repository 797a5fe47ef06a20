package afterme.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SegmentNamesTest {
    @Test
    void namesAreTheFirstSeqInTwentyDigitsSoThatNameOrderIsLogOrder() {
        assertEquals("00000000000000000001.seg", SegmentNames.name(1));
        assertEquals("00000000000000001000.seg", SegmentNames.name(1000));
        assertEquals("09223372036854775807.seg", SegmentNames.name(Long.MAX_VALUE));
        assertTrue(SegmentNames.name(999).compareTo(SegmentNames.name(1000)) < 0);
    }

    @Test
    void aNameGivesBackItsFirstSeqAndItsIndexName() {
        for (long seq : new long[] {1, 42, 1_000_000_007L, Long.MAX_VALUE}) {
            Path p = Path.of("log", SegmentNames.name(seq));
            assertTrue(SegmentNames.isSegment(p), p.toString());
            assertEquals(seq, SegmentNames.firstSeq(p));
            assertEquals(SegmentNames.name(seq).replace(".seg", ".idx"), SegmentNames.indexFor(p).getFileName().toString());
        }
    }

    @Test
    void otherNamesAreNotSegmentsAndSeqZeroHasNone() {
        assertFalse(SegmentNames.isSegment(Path.of("1.seg")));
        assertFalse(SegmentNames.isSegment(Path.of("00000000000000000001.seg.tmp")));
        assertThrows(IllegalArgumentException.class, () -> SegmentNames.name(0));
    }
}
