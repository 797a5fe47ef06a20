package afterme.daemon.log;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides whether an append may be written: not when its idempotency key was seen within the dedupe
 * window (it gets the earlier reply), nor when it expects a last seq the log has moved past. Owns the
 * window and the keys staged in the batch being written; the writer thread only.
 */
final class Admission {
    private IdempotencyWindow keys;
    /** Keys of appends staged in the current batch, not yet in {@link #keys}: a repeat within a batch. */
    private final Map<ByteBuffer, AppendResult> staged = new HashMap<>();

    Admission(IdempotencyWindow keys) {
        this.keys = keys;
    }

    /** Takes the window of a log reopened from its files. */
    void adopt(IdempotencyWindow window) {
        keys = window;
        staged.clear();
    }

    /** The reply an earlier append with the same key got, or null when this key is new (or there is none). */
    AppendResult duplicateOf(Append a) {
        if (a.idempotencyKey.length == 0) {
            return null;
        }
        long[] seen = keys.find(a.idempotencyKey);
        if (seen != null) {
            return new AppendResult(seen[0], seen[1], LogHead.instant(seen[2]), true);
        }
        AppendResult inBatch = staged.get(ByteBuffer.wrap(a.idempotencyKey));
        return inBatch == null ? null : new AppendResult(inBatch.firstSeq(), inBatch.lastSeq(), inBatch.time(), true);
    }

    /** Why the append conflicts with a log whose last seq is {@code lastSeq}, or null when it does not. */
    AppendException conflict(Append a, long lastSeq) {
        if (!a.hasExpectation() || a.expectedLastSeq == lastSeq) {
            return null;
        }
        return new AppendException(AppendException.Reason.CONFLICT,
                "expected last seq " + a.expectedLastSeq + " but the log's last seq is " + lastSeq, lastSeq, null);
    }

    /** An append staged in the batch being written. */
    void staged(Append a, AppendResult r) {
        if (a.idempotencyKey.length > 0) {
            staged.put(ByteBuffer.wrap(a.idempotencyKey), r);
        }
    }

    /** An append written: its key is remembered for the window. */
    void written(Append a, AppendResult r) {
        if (a.idempotencyKey.length > 0 && !r.duplicate()) {
            keys.add(a.idempotencyKey, r.firstSeq(), r.lastSeq(), LogHead.epochNanos(r.time()));
        }
    }

    /** The batch is written or failed: its staged keys are forgotten, and keys older than the window go. */
    void batchDone(long lastSeq) {
        staged.clear();
        keys.expire(lastSeq);
    }
}
