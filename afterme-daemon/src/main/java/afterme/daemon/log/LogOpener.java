package afterme.daemon.log;

import afterme.format.LogCursor;
import afterme.format.LogFormatException;
import afterme.format.LogVerifier;
import afterme.format.RecordKey;
import afterme.format.RecoveryPlan;
import afterme.format.SegmentScan;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.format.SparseIndex;
import afterme.format.SuggestedCommand;
import afterme.format.TailRepair;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
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
    private final LogConfig config;
    private final Path dir;
    private final List<Path> repairs = new ArrayList<>();
    private boolean created;

    LogOpener(LogConfig config) {
        this.config = config;
        this.dir = config.dataDir();
    }

    /** True when the directory held no log and opening created one. */
    boolean created() {
        return created;
    }

    /** Backups written while opening (torn tails cut, half-created segments removed). */
    List<Path> repairs() {
        return repairs;
    }

    LogState open() throws IOException {
        List<Path> segments = Segments.list(dir);
        LogVerifier.Report report = LogVerifier.atStartUp(segments);
        RecoveryPlan plan = RecoveryPlan.of(report);
        if (plan.refused()) {
            throw new LogFormatException(plan.refusal(), "refusing to open the log; "
                    + RecoveryPlan.beforeCutting(plan.refusal()) + "run '" + SuggestedCommand.verify(dir)
                    + "' for the full report, then '"
                    + SuggestedCommand.recoverDryRunAt(dir, plan.truncateAtSeq())
                    + "' to see the cut that would bring it back");
        }
        TailRepair repair = new TailRepair(dir.resolve(RECOVERED), config.clock(), config.storage());
        List<Path> backups = plan.carryOut(repair);
        for (int i = 0; i < backups.size(); i++) {
            RecoveryPlan.Cut cut = plan.cuts().get(i);
            LOG.log(Level.WARNING, "cut {0}; the bytes are saved in {1}", cut.describe(), backups.get(i));
        }
        repairs.addAll(backups);
        SegmentScan last = report.scans().isEmpty() ? null : report.scans().get(report.scans().size() - 1);
        if (plan.removesLastOf(segments)) {
            // The half-created segment is gone; the one before it, sealed, is walked for its last record's time.
            last = segments.size() < 2 ? null : SegmentScanner.scan(segments.get(segments.size() - 2), true);
        }
        if (last == null) {
            created = true;
            UUID logId = UUID.randomUUID();
            ActiveSegment active = ActiveSegment.create(config.storage(), dir, logId, 1, new byte[32],
                    config.fillLimit());
            return new LogState(logId, active, 0, new byte[32], Long.MIN_VALUE, new IdempotencyWindow(config.dedupeWindow()));
        }
        UUID logId = last.header().logId();
        ActiveSegment active;
        if (last.trailer() != null) {
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
