package afterme.daemon.log;

import java.time.Instant;

/**
 * The head of the log as one value: the last seq, its chain and its time. Immutable, so that the writer
 * keeps the head it has written beside the head it is staging, and publishes the one to readers, without
 * copying field by field.
 *
 * <p>{@code epochNanos} is the last record's time; Long.MIN_VALUE for an empty log.
 */
final class LogHead {
    private final long seq;
    private final byte[] chain;
    private final long epochNanos;

    /** @param chain taken as it is: the caller hands it over and never changes it again */
    LogHead(long seq, byte[] chain, long epochNanos) {
        this.seq = seq;
        this.chain = chain;
        this.epochNanos = epochNanos;
    }

    long seq() {
        return seq;
    }

    long epochNanos() {
        return epochNanos;
    }

    /** The chain, to be advanced in place by the encoder: a copy, since this value never changes. */
    byte[] chainToAdvance() {
        return chain.clone();
    }

    /** A copy of the chain, for whoever keeps it. */
    byte[] chain() {
        return chain.clone();
    }

    /** The time of the next record: the clock, but never before the last record (FORMAT.md, "Writing rules"). */
    long nextTime(Instant clock) {
        return Math.max(epochNanos, epochNanos(clock));
    }

    static long epochNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L));
    }
}
