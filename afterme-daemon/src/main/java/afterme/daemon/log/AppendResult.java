package afterme.daemon.log;

import java.time.Instant;

/**
 * Where an append landed.
 *
 * @param time      the first record's time
 * @param duplicate true when the idempotency key was seen and nothing was appended
 */
public record AppendResult(long firstSeq, long lastSeq, Instant time, boolean duplicate) {
    public int count() {
        return (int) (lastSeq - firstSeq + 1);
    }
}
