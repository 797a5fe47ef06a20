package afterme.format;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Segment file names: the first seq, zero-padded to 20 digits, then {@code .seg}, so that name order is
 * log order. A sparse index of a segment is the same name with {@code .idx}.
 */
public final class SegmentNames {
    public static final String EXTENSION = ".seg";
    public static final String INDEX_EXTENSION = ".idx";
    private static final Pattern NAME = Pattern.compile("\\d{20}\\.seg");

    private SegmentNames() {
    }

    public static String name(long firstSeq) {
        if (firstSeq < 1) {
            throw new IllegalArgumentException("first seq must be >= 1, got " + firstSeq);
        }
        // Not String.format, whose first call loads the locale providers: with DateTimeFormatter's first use
        // (RecordJson) they took 16 ms of `afterme tail -n 1` (BENCHMARKS.md).
        String digits = Long.toString(firstSeq);
        return "0".repeat(20 - digits.length()) + digits + EXTENSION;
    }

    public static boolean isSegment(Path file) {
        return NAME.matcher(file.getFileName().toString()).matches();
    }

    /** The first seq a segment's name promises. Call only on names for which {@link #isSegment} holds. */
    public static long firstSeq(Path file) {
        String name = file.getFileName().toString();
        return Long.parseLong(name.substring(0, 20));
    }

    public static Path indexFor(Path segment) {
        String name = segment.getFileName().toString();
        return segment.resolveSibling(name.substring(0, name.length() - EXTENSION.length()) + INDEX_EXTENSION);
    }
}
