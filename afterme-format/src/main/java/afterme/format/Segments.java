package afterme.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Lists the segments of a data directory in log order. Stateless. */
public final class Segments {
    private Segments() {
    }

    /** The segment files of {@code dir}, sorted by name (which is log order). */
    public static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(SegmentNames::isSegment).filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** The segment that holds {@code seq}: the last whose first seq is at most {@code seq}; or null. */
    public static Path holding(List<Path> segments, long seq) {
        Path found = null;
        for (Path s : segments) {
            if (SegmentNames.firstSeq(s) <= seq) {
                found = s;
            } else {
                break;
            }
        }
        return found;
    }
}
