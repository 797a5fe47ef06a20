package afterme.daemon.log;

import java.time.Instant;

/**
 * The head of the log as one value: the last seq, its chain and its time. Immutable, so that the writer
 * keeps the head it has written beside the head it is staging, and publishes the one to readers, without
 * copying field by field.
 *
 * @param epochNanos the last record's time; Long.MIN_VALUE for an empty log
 */
record LogHead(long seq, byte[] chain, long epochNanos) {
    LogHead {
        chain = chain.clone();
    }

    /** The chain, to be advanced in place by the encoder: a copy, since this value never changes. */
    byte[] chainToAdvance() {
        return chain.clone();
    }

    @Override
    public byte[] chain() {
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
