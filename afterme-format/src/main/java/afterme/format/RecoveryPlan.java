package afterme.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one recovery plan (FORMAT.md, "Recovery"): what is cut, where, and why, or the problem that only an
 * operator may decide. Start-up and {@code afterme recover} both make it from a {@link LogVerifier.Report}
 * and carry it out the same way, saving every byte they remove first ({@link TailRepair}).
 *
 * <p>Cut without an operator: a torn tail of the last segment, a half-created last segment, and bytes
 * after a valid trailer (the trailer proves its segment's records complete, so they hold no record).
 * Anything else refuses; {@code recover --truncate-at-seq N} then cuts record N and everything after it.
 *
 * @param refusal the first problem that only an operator may decide, or null
 */
public record RecoveryPlan(List<Cut> cuts, Problem refusal) {

    /** Keep the first {@code keepBytes} of {@code segment} and save the rest; 0 removes the file. */
    public record Cut(Path segment, long keepBytes, long removeBytes, String why) {
        /** "cut S at offset O (N bytes: why)" */
        public String describe() {
            return segment.getFileName() + " at offset " + keepBytes + " (" + removeBytes + " bytes: " + why + ")";
        }
    }

    public boolean refused() {
        return refusal != null;
    }

    /** True when the last segment goes whole (it was half-created). */
    public boolean removesLastOf(List<Path> segments) {
        return !segments.isEmpty() && cuts.stream().anyMatch(c -> c.keepBytes() == 0
                && c.segment().equals(segments.get(segments.size() - 1)));
    }

    /**
     * What to try before a cut, or "" for damage: a segment of a format version this afterme does not know
     * is most likely one that a newer afterme wrote, which that afterme reads. The version is read before the
     * header's CRC (a newer layout may move the CRC), so a damaged version field looks the same, and the
     * cut stays the next step after it.
     */
    public static String beforeCutting(Problem problem) {
        return problem.kind() == ProblemKind.UNSUPPORTED_VERSION
                ? "if a newer afterme wrote this log, read it with that release, and cut nothing; if not, " : "";
    }

    /**
     * The seq that {@code --truncate-at-seq} needs to cut the refused problem away: the problem's own, or
     * for a problem with none (a damaged header), the first seq of its segment.
     */
    public long truncateAtSeq() {
        if (refusal == null) {
            return 0;
        }
        return refusal.seq() > 0 ? refusal.seq() : SegmentNames.isSegment(Path.of(refusal.segment()))
                ? SegmentNames.firstSeq(Path.of(refusal.segment())) : 1;
    }

    /** The plan for what the report found. */
    public static RecoveryPlan of(LogVerifier.Report report) {
        List<SegmentScan> scans = report.scans();
        List<Cut> cuts = new ArrayList<>();
        for (Problem p : report.problems()) {
            int at = indexOf(scans, p.segment());
            SegmentScan s = at < 0 ? null : scans.get(at);
            boolean last = at == scans.size() - 1;
            if (p.kind() != ProblemKind.TORN_TAIL || s == null) {
                return new RecoveryPlan(cuts, p);
            }
            if (s.end() == SegmentScan.End.TORN_HEADER && last) {
                cuts.add(new Cut(s.file(), 0, s.fileSize(), "half-created segment"));
            } else if (s.trailer() != null) {
                cuts.add(new Cut(s.file(), s.validEnd(), s.tornBytes(), "bytes after the trailer"));
            } else if (last) {
                cuts.add(new Cut(s.file(), s.validEnd(), s.tornBytes(), "torn tail"));
            } else {
                return new RecoveryPlan(cuts, p);
            }
        }
        return new RecoveryPlan(List.copyOf(cuts), null);
    }

    private static int indexOf(List<SegmentScan> scans, String name) {
        for (int i = 0; i < scans.size(); i++) {
            if (scans.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Record {@code seq} and every later record, asked for by an operator: the segment holding it is cut at
     * its offset (or where its records end, when they end before it), every later segment removed. A batch
     * is appended whole or not at all, so a seq inside one cuts the batch from its first record.
     */
    public static RecoveryPlan truncateAt(List<Path> segments, long seq) throws IOException {
        List<Cut> cuts = new ArrayList<>();
        Path holding = Segments.holding(segments, seq);
        for (Path s : segments) {
            long first = SegmentNames.firstSeq(s);
            long size = Files.size(s);
            if (first >= seq) {
                cuts.add(new Cut(s, 0, size, "seq " + first + " and later"));
                continue;
            }
            if (!s.equals(holding)) {
                continue;
            }
            long[] offset = {-1};
            // Where the batch that seq belongs to starts, and its first seq: just after the last record before
            // seq that ended its batch.
            long[] batch = {SegmentHeader.LENGTH, first};
            SegmentScan scan = SegmentScanner.scan(s, false, null, (n, nanos, off, len, goesOn) -> {
                if (n < seq && !goesOn) {
                    batch[0] = off + len;
                    batch[1] = n + 1;
                }
                if (n >= seq && offset[0] < 0) {
                    offset[0] = batch[0];
                }
            });
            // Damage at or after the seq asked for starts the cut too: the record there cannot be read. With
            // neither, the seq lies past the log's end, and what follows the records is the writer's fill.
            long keep = scan.problems().stream().filter(p -> p.seq() >= seq && p.offset() >= SegmentHeader.LENGTH)
                    .mapToLong(Problem::offset).min().orElse(offset[0] >= 0 ? offset[0] : size);
            keep = offset[0] >= 0 ? Math.min(keep, offset[0]) : keep;
            if (keep < size) {
                cuts.add(new Cut(s, keep, size - keep, offset[0] >= 0 && batch[1] < seq ? "seq " + seq + " and later,"
                        + " from seq " + batch[1] + ", where its batch starts: a batch is cut whole" : "seq " + seq
                        + " and later"));
            }
        }
        return new RecoveryPlan(List.copyOf(cuts), null);
    }

    /** Carries the cuts out, each removed byte saved by {@code repair} first; index files of cut segments go. */
    public List<Path> carryOut(TailRepair repair) throws IOException {
        List<Path> backups = new ArrayList<>();
        for (Cut c : cuts) {
            backups.add(c.keepBytes() == 0 ? repair.remove(c.segment()) : repair.cut(c.segment(), c.keepBytes()));
            Files.deleteIfExists(SegmentNames.indexFor(c.segment()));
        }
        return backups;
    }
}
