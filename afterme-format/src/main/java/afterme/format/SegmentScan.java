package afterme.format;

import java.nio.file.Path;
import java.util.List;

/**
 * What a full walk of one segment found: its header, how it ends, where valid data ends, and every
 * problem on the way.
 *
 * @param header    null when the header itself is unreadable ({@link End#BAD_HEADER}, {@link End#TORN_HEADER})
 * @param dataEnd   offset just past the last valid record (where a trailer would go)
 * @param validEnd  offset just past the last valid byte: {@code dataEnd}, past the trailer when sealed, or the
 *                  end of the file when zeros fill it after the last record (a version-2 segment's fill)
 * @param chainHead the last valid record's chain (the header's prev chain when there is none)
 * @param trailer   the trailer when {@link End#SEALED}
 */
public record SegmentScan(Path file, SegmentHeader header, End end, long fileSize, long dataEnd, long validEnd,
                          long recordCount, long lastSeq, long lastEpochNanos, byte[] chainHead, Trailer trailer,
                          List<Problem> problems) {

    /** How a segment ends. */
    public enum End {
        /** Valid records up to the end of the file or to its fill; no trailer (the active segment). */
        CLEAN,
        /** A valid trailer closes the segment. */
        SEALED,
        /**
         * Valid records, then bytes that hold no record of the log (a torn write, or the records of a batch
         * whose last record was never written): cut them to get a clean end.
         */
        TORN_TAIL,
        /** The file is shorter than a segment header and holds only a prefix of one: a half-created segment. */
        TORN_HEADER,
        /** The header is damaged or of an unknown version. */
        BAD_HEADER,
        /** Damage followed by valid data, or records that contradict the log (seq, chain, hash, trailer). */
        CORRUPT
    }

    public long tornBytes() {
        return fileSize - validEnd;
    }

    /** The zeros after the last record of an unsealed version-2 segment. */
    public long fillBytes() {
        return end == End.CLEAN ? validEnd - dataEnd : 0;
    }

    public String name() {
        return file.getFileName().toString();
    }

    /**
     * The problems as they count for a segment at its place in the log. Only the last segment has a tail
     * to tear (FORMAT.md): in an earlier one, bytes after the records that hold none stand where the trailer
     * belongs, which the links report as {@code missing_trailer} at the same offset; and a header cut
     * short is a damaged header, not a half-created segment.
     */
    public List<Problem> problems(boolean last) {
        if (last) {
            return problems;
        }
        if (end != End.TORN_HEADER) {
            return trailer != null ? problems : problems.stream().filter(p -> p.kind() != ProblemKind.TORN_TAIL).toList();
        }
        long nameSeq = SegmentNames.isSegment(file) ? SegmentNames.firstSeq(file) : 0;
        return List.of(new Problem(ProblemKind.BAD_SEGMENT_HEADER, name(), 0, nameSeq, "header cut short: " + fileSize
                + " bytes; only the last segment can be half-created, and this one is followed by others"));
    }

    /** True when every problem found is the torn tail itself (or there are none). */
    public boolean onlyTornTail() {
        return end == End.CLEAN || end == End.SEALED || end == End.TORN_TAIL || end == End.TORN_HEADER;
    }
}
