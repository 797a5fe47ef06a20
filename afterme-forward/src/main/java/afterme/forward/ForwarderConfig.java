package afterme.forward;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How one forwarder runs.
 *
 * @param windowRecords  records sent and not yet confirmed, at most
 * @param windowBytes    payload bytes sent and not yet confirmed, at most (one record may exceed it alone)
 * @param confirmTimeout how long the oldest unconfirmed record may wait before the connection is called dead
 * @param backoffMax     the longest wait between reconnections
 * @param grace          how long closing waits for outstanding confirms before it writes the checkpoint
 * @param idleWait       how long the forwarder sleeps when there is nothing to send and nobody wakes it
 * @param nanoTime       the clock for timeouts, backoff and confirm latency
 * @param host           where it runs, which the advice of a stopped forwarder names
 */
public record ForwarderConfig(String name, SinkTarget target, StartAt startAt, OnReject onReject,
                              int windowRecords, long windowBytes, Duration confirmTimeout, Duration backoffMax,
                              Duration grace, Duration idleWait, LongSupplier nanoTime, Host host) {
    /** Where a forwarder runs: it decides how an operator starts it again, or has it set refused records aside. */
    public enum Host {
        /** {@code afterme forward}. */
        COMMAND("start 'afterme forward' again", "--on-reject dead-letter"),
        /** {@code afterme serve --forward NAME=URI}. */
        DAEMON("restart the daemon", "on_reject=dead-letter in its --forward URI");

        final String startAgain;
        final String deadLetter;

        Host(String startAgain, String deadLetter) {
            this.startAgain = startAgain;
            this.deadLetter = deadLetter;
        }
    }

    /**
     * Enough unconfirmed records that a broker's confirms never leave the forwarder idle: with 100, NATS
     * forwarding of 1 KiB records reached 16,130/s against 35,234/s with 1,000; 4,000 gained nothing
     * (29,184/s) (BENCHMARKS.md, forwarding).
     */
    public static final int DEFAULT_WINDOW_RECORDS = 1000;
    /** Bounds the memory a forwarder holds for unconfirmed records, whatever their size. */
    public static final long DEFAULT_WINDOW_BYTES = 8L << 20;

    public ForwarderConfig {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new IllegalArgumentException("a forwarder's name is letters, digits, '.', '_' and '-' (not "
                    + "first), up to 100: '" + name + "'");
        }
        if (windowRecords < 1 || windowBytes < 1) {
            throw new IllegalArgumentException("the window must hold at least one record and one byte");
        }
    }

    /**
     * The defaults, for a forwarder woken when records become durable ({@code idleWait} is then a fallback),
     * run by {@code afterme forward} unless {@link #in} says otherwise.
     */
    public static ForwarderConfig of(String name, SinkTarget target, StartAt startAt, OnReject onReject,
                                     Duration idleWait) {
        return new ForwarderConfig(name, target, startAt, onReject, DEFAULT_WINDOW_RECORDS, DEFAULT_WINDOW_BYTES,
                Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(3), idleWait, System::nanoTime,
                Host.COMMAND);
    }

    public ForwarderConfig withWindow(int records, long bytes) {
        return new ForwarderConfig(name, target, startAt, onReject, records, bytes, confirmTimeout, backoffMax, grace,
                idleWait, nanoTime, host);
    }

    public ForwarderConfig withTimeouts(Duration confirm, Duration backoff, Duration closeGrace) {
        return new ForwarderConfig(name, target, startAt, onReject, windowRecords, windowBytes, confirm, backoff,
                closeGrace, idleWait, nanoTime, host);
    }

    public ForwarderConfig in(Host runsIn) {
        return new ForwarderConfig(name, target, startAt, onReject, windowRecords, windowBytes, confirmTimeout,
                backoffMax, grace, idleWait, nanoTime, runsIn);
    }
}
