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
        return list(dir, Segments::listOnce);
    }

    /** One listing of the names of a directory's segment files, sorted. */
    @FunctionalInterface
    interface Listing {
        List<Path> of(Path dir) throws IOException;
    }

    /**
     * A directory is listed in the file system's order, not by name (ext4's is by hash), and a file created
     * while it is listed may be in the listing or not: a listing taken while the daemon creates segments can
     * hold a new segment and miss one created an instant before it, a gap that is not in the log. Every
     * segment up to the newest in one listing was created before a second listing starts, so the second
     * holds them all.
     */
    static List<Path> list(Path dir, Listing listing) throws IOException {
        List<Path> first = listing.of(dir);
        if (first.isEmpty()) {
            return first;
        }
        long newest = SegmentNames.firstSeq(first.get(first.size() - 1));
        return listing.of(dir).stream().filter(s -> SegmentNames.firstSeq(s) <= newest)
                .filter(Files::isRegularFile).toList();
    }

    private static List<Path> listOnce(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(SegmentNames::isSegment).sorted().toList();
        }
    }

    /**
     * Why {@code dir} is not an afterme log, or null when it is one: a directory with a segment, or with the
     * lock a daemon takes (an empty log that serve created is a log). A tool pointed at a mistyped directory
     * must say so and exit 3, not report an empty log as fine.
     */
    public static String notALog(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return dir + " does not exist; give the data directory";
        }
        if (!Files.isDirectory(dir)) {
            return dir + " is not a directory; give the data directory";
        }
        if (list(dir).isEmpty() && !Files.exists(dir.resolve(DataDirLock.FILE))) {
            return "no afterme log in " + dir;
        }
        return null;
    }

    /**
     * Whether {@code file} is the last segment of its directory, the only one ever written to: a file that
     * is not a segment of a log counts as last, since nothing follows it.
     */
    public static boolean isLast(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!SegmentNames.isSegment(file) || dir == null) {
            return true;
        }
        List<Path> segments = list(dir);
        return segments.isEmpty() || segments.get(segments.size() - 1).getFileName().equals(file.getFileName());
    }

    /**
     * Whether {@code file} is a segment being created: the last, and shorter than a header, which the daemon
     * writes just after it creates the file. It holds no record. (Left so by a crash, it is a half-created
     * segment, which verify reports and recover removes.)
     */
    public static boolean beingCreated(Path file) throws IOException {
        return Files.size(file) < SegmentHeader.LENGTH && isLast(file);
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
