package afterme.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.LongConsumer;

/**
 * Checks a whole log: every segment walked (CRC32C, chain, and SHA-256 unless quick), then the links
 * between segments (log id, seq continuity, chain, trailers on every segment but the last). Returns a
 * report; never prints. Used by {@code afterme verify} and {@code afterme recover}.
 */
public final class LogVerifier {
    /** How long a problem in a live log's last segment is given to go away before it is reported. */
    private static final long SETTLE_MILLIS = 50;

    /** What a verification found. */
    public record Report(List<SegmentScan> scans, List<Problem> problems, long records, long bytes, long lastSeq) {
        public boolean clean() {
            return problems.isEmpty();
        }
    }

    private LogVerifier() {
    }

    /** Verifies a data directory, or the given segment files as one log in name order. */
    public static Report verify(List<Path> segments, boolean hashes) throws IOException {
        return verify(segments, hashes, (done, total) -> { });
    }

    /** Told how many bytes of how many in all have been checked, for a progress bar. */
    @FunctionalInterface
    public interface Progress {
        void checked(long doneBytes, long totalBytes);
    }

    public static Report verify(List<Path> segments, boolean hashes, Progress progress) throws IOException {
        return verify(segments, hashes, progress, SETTLE_MILLIS);
    }

    /** {@link #verify} with the settling time given: 0 reports at once (tests of logs nobody writes). */
    static Report verify(List<Path> segments, boolean hashes, Progress progress, long settleMillis)
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
        UUID logId = null;
        SegmentScan previous = null;
        for (int i = 0; i < segments.size(); i++) {
            Path file = segments.get(i);
            long base = before;
            long all = total;
            boolean last = i == segments.size() - 1 && settleMillis > 0;
            SegmentScan s = scanSettled(file, hashes, last, settleMillis, done -> progress.checked(base + done, all));
            before += s.fileSize();
            scans.add(s);
            problems.addAll(s.problems());
            records += s.recordCount();
            bytes += s.fileSize() - s.fillBytes();
            if (s.header() == null) {
                previous = null;
                continue;
            }
            logId = logId == null ? s.header().logId() : logId;
            if (!logId.equals(s.header().logId())) {
                problems.add(new Problem(ProblemKind.LOG_ID_MISMATCH, s.name(), 0, s.header().firstSeq(),
                        "log id " + s.header().logId() + " differs from " + logId));
            }
            if (previous != null) {
                if (previous.end() != SegmentScan.End.SEALED && previous.trailer() == null) {
                    problems.add(new Problem(ProblemKind.MISSING_TRAILER, previous.name(), previous.validEnd(), 0,
                            "segment is followed by " + s.name() + " but has no valid trailer"));
                }
                if (s.header().firstSeq() != previous.lastSeq() + 1) {
                    problems.add(new Problem(ProblemKind.SEQ_GAP, s.name(), 0, previous.lastSeq() + 1,
                            "segment starts at seq " + s.header().firstSeq() + " but the previous one ends at "
                                    + previous.lastSeq() + " (a segment is missing or cut short)"));
                } else if (!Arrays.equals(s.header().prevChain(), previous.chainHead())) {
                    problems.add(new Problem(ProblemKind.CHAIN_BREAK, s.name(), 0, s.header().firstSeq(),
                            "segment does not continue the previous segment's chain"));
                }
            } else if (i == 0 && s.header().firstSeq() != 1 && SegmentNames.isSegment(file)) {
                problems.add(new Problem(ProblemKind.SEQ_GAP, s.name(), 0, 1,
                        "the log starts at seq " + s.header().firstSeq() + ", not 1"));
            }
            previous = s;
        }
        long lastSeq = previous == null ? 0 : previous.lastSeq();
        return new Report(scans, problems, records, bytes, lastSeq);
    }

    /**
     * Walks a segment. The last segment of a live log may be mid-append, which looks like a torn tail for
     * an instant: such a tail is looked at again before it is reported, so verify is safe while the
     * daemon writes. A version-2 segment is written into its fill, where a read racing the writer can
     * even see a later page of a write before an earlier one, which looks like damage in the middle; so
     * there any problem is looked at again, and only one that stays is reported.
     */
    private static SegmentScan scanSettled(Path file, boolean hashes, boolean last, long settleMillis,
                                           LongConsumer progress) throws IOException {
        SegmentScan s = SegmentScanner.verify(file, hashes, progress);
        for (int tries = 0; last && unsettled(s) && tries < 3; tries++) {
            try {
                Thread.sleep(settleMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (!writtenIntoFill(s) && Files.size(file) == s.fileSize()) {
                break;
            }
            s = SegmentScanner.verify(file, hashes, progress);
        }
        return s;
    }

    private static boolean unsettled(SegmentScan s) {
        return s.end() == SegmentScan.End.TORN_TAIL || (writtenIntoFill(s) && s.end() == SegmentScan.End.CORRUPT);
    }

    /** Records are written into a version-2 segment's fill, without changing the file's size. */
    private static boolean writtenIntoFill(SegmentScan s) {
        return s.header() != null && s.header().mayHaveFill();
    }
}
