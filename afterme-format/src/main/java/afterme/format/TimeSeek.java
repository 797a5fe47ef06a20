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
        // The last segment whose first record is older than the target, by bisection: a log of many small
        // segments is not read a segment at a time. Only the last segment can be empty.
        int before = -1;
        for (int lo = 0, hi = segments.size() - 1; lo <= hi; ) {
            int mid = (lo + hi) >>> 1;
            Long first = firstRecordNanos(dir, segments.get(mid));
            if (first != null && first < target) {
                before = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        long start = 1;
        if (before >= 0) {
            long fromIndex = SparseIndex.loadOrBuild(segments.get(before)).seqBeforeTime(target);
            start = Math.max(SegmentNames.firstSeq(segments.get(before)), fromIndex);
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
