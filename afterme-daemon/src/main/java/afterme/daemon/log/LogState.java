package afterme.daemon.log;

import java.util.UUID;

/**
 * Where the log stands after opening (or re-opening after a failed fsync): handed from the opener to
 * the writer, which owns it from then on.
 */
record LogState(UUID logId, ActiveSegment active, long lastSeq, byte[] chainHead, long lastEpochNanos,
                IdempotencyWindow keys) {
}
