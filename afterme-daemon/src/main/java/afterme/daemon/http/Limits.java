package afterme.daemon.http;

import afterme.daemon.log.Ack;

/**
 * The request limits and defaults of {@code afterme serve}.
 *
 * @param inflightBytes             request bodies held in memory at once, across all connections; a request
 *                                  waits for room before its body is read, so large uploads cannot exhaust the heap
 * @param requestsPerConnectionSecond requests one connection may make per second (after a burst of a tenth of
 *                                  that) before it gets 429
 */
public record Limits(long maxPayloadBytes, long maxBatchBytes, Ack defaultAck, long inflightBytes,
                     double requestsPerConnectionSecond) {
    public static final long DEFAULT_INFLIGHT_BYTES = 64L << 20;
    /** Far above what one connection is served (one request at a time), far below a pipelined flood. */
    public static final double DEFAULT_REQUESTS_PER_CONNECTION_SECOND = 20_000;

    public Limits(long maxPayloadBytes, long maxBatchBytes, Ack defaultAck) {
        this(maxPayloadBytes, maxBatchBytes, defaultAck,
                Math.max(DEFAULT_INFLIGHT_BYTES, 2 * maxBatchBytes + maxPayloadBytes),
                DEFAULT_REQUESTS_PER_CONNECTION_SECOND);
    }
}
