package afterme.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The one check of the links between segments (FORMAT.md, "A log is valid if and only if"): one log id,
 * the first segment at seq 1, each segment starting at the seq after the previous one's last and
 * continuing its chain, every segment but the last sealed. Fed segment by segment, in log order, by
 * verify (from full walks), by start-up (from headers and trailers) and by the cursor (as it crosses a
 * trailer). Not thread-safe: one per walk.
 */
public final class SegmentLinks {
    /** What one segment says about its ends. {@code header} null when unreadable; {@code trailer} null when unsealed. */
    public record Ends(String name, long nameSeq, SegmentHeader header, Trailer trailer, long lastSeq, byte[] chainHead,
                       long dataEnd) {
        public static Ends of(SegmentScan s) {
            long nameSeq = SegmentNames.isSegment(s.file()) ? SegmentNames.firstSeq(s.file())
                    : s.header() != null ? s.header().firstSeq() : 0;
            return new Ends(s.name(), nameSeq, s.header(), s.trailer(), s.lastSeq(), s.chainHead(), s.dataEnd());
        }
    }

    private final List<Problem> problems = new ArrayList<>();
    private UUID logId;
    private Ends previous;
    /** The seq the next segment must start at; 0 when an unreadable segment left it unknown. */
    private long nextSeq = 1;

    /** Links checked from the start of a log, whose first segment starts at seq 1. */
    public SegmentLinks() {
    }

    /** Links checked from a segment in the middle of a log (a reader that starts there). */
    public static SegmentLinks after(Ends previous) {
        SegmentLinks links = new SegmentLinks();
        links.previous = previous;
        links.nextSeq = previous.lastSeq() + 1;
        links.logId = previous.header() != null ? previous.header().logId() : null;
        return links;
    }

    /** Links checked among segment files given on their own, where the first need not start the log. */
    public static SegmentLinks anywhere() {
        SegmentLinks links = new SegmentLinks();
        links.nextSeq = 0;
        return links;
    }

    /** Checks {@code s} against the segments before it; returns the problems it adds. */
    public List<Problem> next(Ends s) {
        List<Problem> found = peek(s);
        problems.addAll(found);
        if (s.header() != null) {
            logId = logId == null ? s.header().logId() : logId;
            nextSeq = s.lastSeq() + 1;
        } else {
            nextSeq = 0;
        }
        previous = s;
        return found;
    }

    /**
     * The problems {@link #next} would find, without taking the segment in: a streaming reader checks a
     * segment's header this way before it reads the segment's records, and calls {@link #next} after.
     */
    public List<Problem> peek(Ends s) {
        List<Problem> problems = new ArrayList<>();
        UUID logId = this.logId;
        if (previous != null && previous.trailer() == null && previous.header() != null) {
            problems.add(new Problem(ProblemKind.MISSING_TRAILER, previous.name(), previous.dataEnd(),
                    previous.lastSeq() + 1, "segment is followed by " + s.name() + " but has no valid trailer"));
        }
        long first = s.header() != null ? s.header().firstSeq() : s.nameSeq();
        if (nextSeq > 0 && first != nextSeq) {
            String after = previous == null ? "the log starts at seq 1"
                    : "the previous segment ends at seq " + (nextSeq - 1);
            problems.add(new Problem(ProblemKind.SEQ_GAP, s.name(), 0, nextSeq, "segment starts at seq " + first
                    + " but " + after + (first > nextSeq ? " (records are missing)" : "")));
        } else if (nextSeq == 0 && previous != null && first <= previous.nameSeq()) {
            problems.add(new Problem(ProblemKind.SEQ_GAP, s.name(), 0, previous.nameSeq() + 1, "segment starts at seq "
                    + first + ", not after " + previous.name()));
        }
        if (s.header() != null) {
            logId = logId == null ? s.header().logId() : logId;
            if (!logId.equals(s.header().logId())) {
                problems.add(new Problem(ProblemKind.LOG_ID_MISMATCH, s.name(), 0, first,
                        "log id " + s.header().logId() + " differs from " + logId));
            }
            if (previous != null && previous.header() != null && first == nextSeq
                    && !Arrays.equals(s.header().prevChain(), previous.chainHead())) {
                problems.add(new Problem(ProblemKind.CHAIN_BREAK, s.name(), 0, first,
                        "segment does not continue the previous segment's chain"));
            }
        }
        return problems;
    }

    /** Every problem found so far, in log order. */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    /** The log id of the first readable header, or null. */
    public UUID logId() {
        return logId;
    }
}
