package afterme.format;

/**
 * A record's seq, time and idempotency key, read without the rest of it.
 *
 * @param idempotencyKey the key's UTF-8 bytes, or null when the record carries none
 */
public record RecordKey(long seq, long epochNanos, byte[] idempotencyKey) {
}
