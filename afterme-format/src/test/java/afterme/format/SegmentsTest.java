package afterme.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SegmentsTest {
    private final FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
    private final Path dir = fs.getPath("/log");

    @AfterEach
    void close() throws IOException {
        fs.close();
    }

    /** Segment files of these first seqs, created in {@link #dir}. */
    private List<Path> named(long... firstSeqs) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = LongStream.of(firstSeqs).mapToObj(seq -> dir.resolve(SegmentNames.name(seq))).toList();
        for (Path f : files) {
            if (!Files.exists(f)) {
                Files.createFile(f);
            }
        }
        return files;
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
