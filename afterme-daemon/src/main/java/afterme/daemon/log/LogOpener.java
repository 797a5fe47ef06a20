package afterme.daemon.log;

import afterme.format.LogCursor;
import afterme.format.LogFormatException;
import afterme.format.Problem;
import afterme.format.RecordKey;
import afterme.format.ProblemKind;
import afterme.format.SegmentHeader;
import afterme.format.SegmentNames;
import afterme.format.SegmentScan;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.format.SparseIndex;
import afterme.format.TailRepair;
import afterme.format.Trailer;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Opens a data directory for appending, the way start-up must: sealed segments are checked by header and
 * trailer only (never read whole); the last segment is walked; a torn tail is cut with its bytes saved
 * under {@code recovered/}; any other damage refuses to open with a message naming verify and recover.
 */
final class LogOpener {
    static final String RECOVERED = "recovered";
    private static final Logger LOG = System.getLogger(LogOpener.class.getName());
    private static final String ADVICE = "run 'afterme verify %s' for the full report, then 'afterme recover %s'";

    private final LogConfig config;
    private final Path dir;
    private final List<Path> repairs = new ArrayList<>();

    LogOpener(LogConfig config) {
        this.config = config;
        this.dir = config.dataDir();
    }

    /** Backups written while opening (torn tails cut, half-created segments removed). */
    List<Path> repairs() {
        return repairs;
    }

    LogState open() throws IOException {
        List<Path> segments = new ArrayList<>(Segments.list(dir));
        TailRepair repair = new TailRepair(dir.resolve(RECOVERED), config.clock(), config.storage());
        SegmentScan last = null;
        while (!segments.isEmpty()) {
            Path file = segments.get(segments.size() - 1);
            last = SegmentScanner.scan(file, true);
            if (last.end() != SegmentScan.End.TORN_HEADER) {
                break;
            }
            LOG.log(Level.WARNING, "removing half-created segment {0} ({1} bytes)", file, last.fileSize());
            repairs.add(repair.remove(file));
            segments.remove(segments.size() - 1);
            last = null;
        }
        if (segments.isEmpty()) {
            UUID logId = UUID.randomUUID();
            ActiveSegment active = ActiveSegment.create(config.storage(), dir, logId, 1, new byte[32],
                    config.fillLimit());
            return new LogState(logId, active, 0, new byte[32], Long.MIN_VALUE, new IdempotencyWindow(config.dedupeWindow()));
        }
        UUID logId = checkSealedSegments(segments.subList(0, segments.size() - 1), last);
        if (!last.onlyTornTail()) {
            Problem p = last.problems().stream().filter(x -> x.kind() != ProblemKind.TORN_TAIL).findFirst()
                    .orElse(last.problems().get(0));
            throw new LogFormatException(p, "refusing to open the log; " + String.format(ADVICE, dir, dir));
        }
        if (last.tornBytes() > 0) {
            Path backup = repair.cut(last.file(), last.validEnd());
            LOG.log(Level.WARNING, "cut a torn tail of {0} bytes at offset {1} of {2}; the bytes are saved in {3}",
                    last.tornBytes(), last.validEnd(), last.name(), backup);
            repairs.add(backup);
        }
        ActiveSegment active;
        if (last.end() == SegmentScan.End.SEALED || last.trailer() != null) {
            active = ActiveSegment.create(config.storage(), dir, logId, last.lastSeq() + 1, last.chainHead(),
                    config.fillLimit());
        } else {
            SparseIndex.Builder index = new SparseIndex.Builder();
            SegmentScanner.scan(last.file(), false, null, index);
            active = ActiveSegment.reopen(config.storage(), last.file(), last.header(), last.dataEnd(), last.validEnd(),
                    config.fillLimit(), last.recordCount(), index);
        }
        long lastNanos = last.recordCount() > 0 ? last.lastEpochNanos() : Long.MIN_VALUE;
        return new LogState(logId, active, last.lastSeq(), last.chainHead(), lastNanos, rebuildKeys(last.lastSeq()));
    }

    /**
     * Every segment before the last must be sealed, continue the previous one's seq and chain, and belong
     * to the same log. Only headers and trailers are read.
     */
    private UUID checkSealedSegments(List<Path> sealed, SegmentScan last) throws IOException {
        UUID logId = null;
        long expectedFirst = 1;
        byte[] chain = new byte[32];
        for (Path file : sealed) {
            String name = file.getFileName().toString();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                SegmentHeader h = SegmentScanner.readHeader(ch, name);
                logId = logId == null ? h.logId() : logId;
                check(h.logId().equals(logId), ProblemKind.LOG_ID_MISMATCH, name, 0, h.firstSeq(),
                        "log id " + h.logId() + " differs from " + logId);
                check(h.firstSeq() == expectedFirst, ProblemKind.SEQ_GAP, name, 0, expectedFirst,
                        "segment starts at seq " + h.firstSeq() + ", expected " + expectedFirst);
                check(Arrays.equals(h.prevChain(), chain), ProblemKind.CHAIN_BREAK, name, 0, h.firstSeq(),
                        "segment does not continue the previous segment's chain");
                Trailer t = SegmentScanner.readTrailer(ch);
                check(t != null, ProblemKind.MISSING_TRAILER, name, ch.size(), 0,
                        "segment is followed by another but has no valid trailer");
                expectedFirst = t.lastSeq() + 1;
                chain = t.chainHead();
            }
        }
        SegmentHeader h = last.header();
        if (h == null) {
            throw new LogFormatException(last.problems().get(0), "refusing to open the log; "
                    + String.format(ADVICE, dir, dir));
        }
        logId = logId == null ? h.logId() : logId;
        check(h.logId().equals(logId), ProblemKind.LOG_ID_MISMATCH, last.name(), 0, h.firstSeq(),
                "log id " + h.logId() + " differs from " + logId);
        check(h.firstSeq() == expectedFirst, ProblemKind.SEQ_GAP, last.name(), 0, expectedFirst,
                "segment starts at seq " + h.firstSeq() + ", expected " + expectedFirst);
        check(Arrays.equals(h.prevChain(), chain), ProblemKind.CHAIN_BREAK, last.name(), 0, h.firstSeq(),
                "segment does not continue the previous segment's chain");
        return logId;
    }

    private void check(boolean ok, ProblemKind kind, String segment, long offset, long seq, String message)
            throws LogFormatException {
        if (!ok) {
            throw new LogFormatException(new Problem(kind, segment, offset, seq, message),
                    "refusing to open the log; " + String.format(ADVICE, dir, dir));
        }
    }

    /** The dedupe window is derived from the log itself, so it survives restarts. */
    private IdempotencyWindow rebuildKeys(long lastSeq) throws IOException {
        IdempotencyWindow keys = new IdempotencyWindow(config.dedupeWindow());
        if (config.dedupeWindow() <= 0 || lastSeq == 0) {
            return keys;
        }
        try (LogCursor cursor = new LogCursor(dir, Math.max(1, lastSeq - config.dedupeWindow() + 1), false)) {
            for (RecordKey r = cursor.nextKey(); r != null && r.seq() <= lastSeq; r = cursor.nextKey()) {
                if (r.idempotencyKey() != null) {
                    keys.add(r.idempotencyKey(), r.seq(), r.seq(), r.epochNanos());
                }
            }
        }
        return keys;
    }
}
