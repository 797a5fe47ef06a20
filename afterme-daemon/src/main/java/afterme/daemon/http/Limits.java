package afterme.daemon.http;

import afterme.daemon.log.Ack;

/**
 * The request limits and defaults of {@code afterme serve}.
 *
 * @param inflightBytes request bodies held in memory at once, across all connections; a request waits for
 *                      room before its body is read, so many large uploads cannot exhaust the heap
 */
public record Limits(long maxPayloadBytes, long maxBatchBytes, Ack defaultAck, long inflightBytes) {
    public static final long DEFAULT_INFLIGHT_BYTES = 64L << 20;

    public Limits(long maxPayloadBytes, long maxBatchBytes, Ack defaultAck) {
        this(maxPayloadBytes, maxBatchBytes, defaultAck,
                Math.max(DEFAULT_INFLIGHT_BYTES, 2 * maxBatchBytes + maxPayloadBytes));
    }
}
