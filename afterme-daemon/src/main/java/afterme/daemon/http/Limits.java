package afterme.daemon.http;

import afterme.daemon.log.Ack;

/** The request limits and defaults of {@code afterme serve}. */
public record Limits(long maxPayloadBytes, long maxBatchBytes, Ack defaultAck) {
}
