package afterme.format;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Finds the first seq whose time is at or after an instant. The writer never lets time go backwards
 * along the log, so segments and index entries are ordered by time as well as by seq.
 */
public final class TimeSeek {
    private TimeSeek() {
    }

    /** The first seq at or after {@code time}; one past the last seq when every record is older. */
    public static long firstSeqAtOrAfter(Path dir, Instant time) throws IOException {
        long target = saturatedEpochNanos(time);
        List<Path> segments = Segments.list(dir);
        long start = 1;
        for (int i = segments.size() - 1; i >= 0; i--) {
            Long first = firstRecordNanos(dir, segments.get(i));
            if (first != null && first < target) {
                long fromIndex = SparseIndex.loadOrBuild(segments.get(i)).seqBeforeTime(target);
                start = Math.max(SegmentNames.firstSeq(segments.get(i)), fromIndex);
                break;
            }
        }
        try (LogCursor cursor = new LogCursor(dir, start, false)) {
            for (LogRecord r = cursor.next(); r != null; r = cursor.next()) {
                if (r.epochNanos() >= target) {
                    return r.seq();
                }
            }
            return cursor.nextSeq();
        }
    }

    /** Epoch nanoseconds, clamped: a long holds them only from 1677 to 2262, and users type any year. */
    public static long saturatedEpochNanos(Instant time) {
        try {
            return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), time.getNano());
        } catch (ArithmeticException e) {
            return time.getEpochSecond() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
    }

    private static Long firstRecordNanos(Path dir, Path segment) throws IOException {
        try (LogCursor cursor = new LogCursor(dir, SegmentNames.firstSeq(segment), false)) {
            LogRecord r = cursor.next();
            return r == null ? null : r.epochNanos();
        }
    }
}
