package afterme.format;

import java.time.Instant;

/**
 * One decoded record and where it lies. Immutable; the arrays are owned by the record and must not be
 * changed by callers.
 *
 * @param contentType    null when the record carries none
 * @param idempotencyKey null when the record carries none
 */
public record LogRecord(long seq, long epochSecond, int nanos, String zone, String contentType,
                        String idempotencyKey, byte[] sha256, int crc32c, byte[] chain, byte[] payload,
                        String segment, long offset, int length) {

    public Instant time() {
        return Instant.ofEpochSecond(epochSecond, nanos);
    }

    /** Nanoseconds since the epoch; fits a long until the year 2262. */
    public long epochNanos() {
        return epochSecond * 1_000_000_000L + nanos;
    }

    public int size() {
        return payload.length;
    }
}
