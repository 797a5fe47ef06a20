package afterme.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SegmentsTest {
    private final Path dir = Path.of("log");

    private List<Path> named(long... firstSeqs) {
        return LongStream.of(firstSeqs).mapToObj(seq -> dir.resolve(SegmentNames.name(seq))).toList();
    }

    /**
     * The daemon creates segments 16, 31 and 46 while the directory is listed, which in hash order gives
     * back 31 and not 16: the second listing, which cannot miss 16, is the one kept, up to 31.
     */
    @Test
    void aListingThatMissedASegmentCreatedDuringItIsTakenAgain() throws Exception {
        Deque<List<Path>> listings = new ArrayDeque<>(List.of(named(1, 31), named(1, 16, 31, 46)));
        assertEquals(named(1, 16, 31), Segments.list(dir, d -> listings.pop()));
    }

    @Test
    void aSegmentMissingFromBothListingsIsAGapInTheLogAndStaysOne() throws Exception {
        Deque<List<Path>> listings = new ArrayDeque<>(List.of(named(1, 31), named(1, 31)));
        assertEquals(named(1, 31), Segments.list(dir, d -> listings.pop()));
    }

    @Test
    void anEmptyDirectoryIsListedOnce() throws Exception {
        Deque<List<Path>> listings = new ArrayDeque<>(List.of(List.of()));
        assertEquals(List.of(), Segments.list(dir, d -> listings.pop()));
    }
}
