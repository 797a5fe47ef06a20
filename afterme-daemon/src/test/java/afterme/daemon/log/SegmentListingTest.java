package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.SegmentNames;
import afterme.format.Segments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listing the segments of a log while the writer creates them, on real files: the file system lists a
 * directory in its own order (ext4's is by hash), and a listing that catches a new segment must not miss
 * the ones before it.
 */
class SegmentListingTest {
    @TempDir
    Path dir;

    @Test
    void aListingTakenWhileSegmentsAreCreatedHoldsEveryOneUpToItsNewest() throws Exception {
        // Other files make the directory as large as a long-lived log's, which ext4 indexes and lists by hash.
        for (int i = 0; i < 8000; i++) {
            Files.createFile(dir.resolve("other-" + i));
        }
        try (Log log = Log.open(LogConfig.defaults(dir).withSegmentSize(4 << 10))) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        // Records of one size: every segment holds as many, so the names step evenly.
                        log.submit(Append.of(new byte[100], Ack.MEMORY)).written.get();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            writer.start();
            int listings = 0;
            try {
                // Until 400 segments, however long the writer takes to create them.
                for (int listed = 0; listed < 400; ) {
                    assertTrue(writer.isAlive(), "the writer stopped");
                    List<Path> segments = Segments.list(dir);
                    listings++;
                    listed = segments.size();
                    if (listed < 2) {
                        continue;
                    }
                    long step = SegmentNames.firstSeq(segments.get(1)) - 1;
                    for (int i = 0; i < listed; i++) {
                        assertEquals(1 + i * step, SegmentNames.firstSeq(segments.get(i)),
                                "listing " + listings + " of " + listed + " segments, at " + i);
                    }
                }
            } finally {
                stop.set(true);
                writer.join();
            }
        }
    }
}
