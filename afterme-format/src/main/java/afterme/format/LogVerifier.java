package afterme.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Checks a whole log: every segment walked (CRC32C, chain, and SHA-256 unless quick), then the links
 * between segments (log id, seq continuity, chain, trailers on every segment but the last). Returns a
 * report; never prints. Used by {@code afterme verify} and {@code afterme recover}.
 */
public final class LogVerifier {
    /** What a verification found. {@code lastSeq}: the last valid record's seq anywhere in the log. */
    public record Report(List<SegmentScan> scans, List<Problem> problems, long records, long bytes, long lastSeq) {
        public boolean clean() {
            return problems.isEmpty();
        }
    }

    private LogVerifier() {
    }

    /** Verifies the segments of a data directory, in name order: the first must start the log at seq 1. */
    public static Report verify(List<Path> segments, boolean hashes) throws IOException {
        return verify(segments, hashes, (done, total) -> { });
    }

    /** Told how many bytes of how many in all have been checked, for a progress bar. */
    @FunctionalInterface
    public interface Progress {
        void checked(long doneBytes, long totalBytes);
    }

    public static Report verify(List<Path> segments, boolean hashes, Progress progress) throws IOException {
        return verify(segments, hashes, progress, true);
    }

    /** {@link #verify}, with {@code live} false reporting at once (tests of logs nobody writes). */
    static Report verify(List<Path> segments, boolean hashes, Progress progress, boolean live) throws IOException {
        return check(segments, new SegmentLinks(),
                (file, last, progressed) -> scanSettled(file, hashes, last && live, progressed), progress);
    }

    /**
     * Verifies segment files given on their own, such as one segment copied out of a log: checked among
     * themselves, so the first need not start the log, and each next one must follow the one before.
     */
    public static Report verifyFiles(List<Path> files, boolean hashes, Progress progress) throws IOException {
        return check(files, SegmentLinks.anywhere(),
                (file, last, progressed) -> scanSettled(file, hashes, last, progressed), progress);
    }

    /**
     * The check of start-up, which must not read a whole log: sealed segments by header and trailer
     * ({@link SegmentScanner#ends}), the last walked whole. Nobody writes the log meanwhile.
     */
    public static Report atStartUp(List<Path> segments) throws IOException {
        return check(segments, new SegmentLinks(), (file, last, progressed) -> last ? SegmentScanner.scan(file, true)
                : SegmentScanner.ends(file), (done, total) -> { });
    }

    /** How one segment is walked. */
    @FunctionalInterface
    private interface Walker {
        SegmentScan walk(Path file, boolean last, LongConsumer progress) throws IOException;
    }

    private static Report check(List<Path> segments, SegmentLinks links, Walker walker, Progress progress)
            throws IOException {
        long total = 0;
        for (Path s : segments) {
            total += Files.size(s);
        }
        long before = 0;
        List<SegmentScan> scans = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        long records = 0;
        long bytes = 0;
        long lastSeq = 0;
        for (int i = 0; i < segments.size(); i++) {
            Path file = segments.get(i);
            long base = before;
            long all = total;
            boolean last = i == segments.size() - 1;
            SegmentScan s = walker.walk(file, last, done -> progress.checked(base + done, all));
            before += s.fileSize();
            scans.add(s);
            // A segment's links concern its header and the end of the one before: they come before its records.
            problems.addAll(links.next(SegmentLinks.Ends.of(s)));
            problems.addAll(s.problems(last));
            records += s.recordCount();
            bytes += s.fileSize() - s.fillBytes();
            lastSeq = s.header() != null && s.recordCount() > 0 ? s.lastSeq() : lastSeq;
        }
        return new Report(scans, problems, records, bytes, lastSeq);
    }

    /**
     * Walks a segment. The last segment of a live log may be mid-append, which looks like a torn tail for
     * an instant, or just created, its header not yet written, which looks like a half-created segment; and
     * in a version-2 segment, written into its fill, a read racing the writer can even see a later page of
     * a write before an earlier one, which looks like damage: there a problem is looked at again
     * ({@link LiveRead}), and only one that stays is reported.
     */
    private static SegmentScan scanSettled(Path file, boolean hashes, boolean live, LongConsumer progress)
            throws IOException {
        SegmentScan s = SegmentScanner.verify(file, hashes, progress);
        for (int look = 0; live && !s.problems().isEmpty() && LiveRead.lookAgain(look); look++) {
            boolean tornTail = s.end() == SegmentScan.End.TORN_TAIL;
            if (!writtenIntoFill(s) && !tornTail && s.end() != SegmentScan.End.TORN_HEADER) {
                break;
            }
            LiveRead.pause(look);
            // A record appended to the end grows the file; one that did not is no write in progress.
            if (!writtenIntoFill(s) && tornTail && Files.size(file) == s.fileSize()) {
                break;
            }
            s = SegmentScanner.verify(file, hashes, progress);
        }
        return s;
    }

    /** Records are written into a version-2 segment's fill, without changing the file's size. */
    private static boolean writtenIntoFill(SegmentScan s) {
        return s.header() != null && s.header().mayHaveFill();
    }
}
