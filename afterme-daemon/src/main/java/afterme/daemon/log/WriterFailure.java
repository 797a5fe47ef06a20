package afterme.daemon.log;

import java.util.concurrent.TimeUnit;

/**
 * The writer's one failure state. It is entered one way ({@link #enter}), after a failed fsync or a
 * write whose partial bytes could not be cut away; while in it appends are refused; it is left only by
 * reopening the log from its files, cut at {@link #cutAt}, attempted at once and then every second.
 * Set by the writer thread; {@link #active} is read by others.
 */
final class WriterFailure {
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Ticker ticker;
    private volatile boolean active;
    /** Where recovery cuts the active segment: the last fsync's end, or the last whole record. */
    private long cutAt;
    private long attemptAt;

    WriterFailure(Ticker ticker) {
        this.ticker = ticker;
    }

    /** Appends stop; the log is to be cut at {@code cutAt} (or earlier, if already failed) and reopened. */
    void enter(long cutAt) {
        this.cutAt = active ? Math.min(this.cutAt, cutAt) : cutAt;
        attemptAt = ticker.nanos();
        active = true;
    }

    boolean active() {
        return active;
    }

    /** Whether a reopen should be attempted now. */
    boolean due() {
        return active && ticker.nanos() - attemptAt >= 0;
    }

    /** How long the writer may wait for appends before the next attempt. */
    long nanosToAttempt() {
        return Math.max(1, attemptAt - ticker.nanos());
    }

    long cutAt() {
        return cutAt;
    }

    /** Only what an earlier fsync covered may be kept: a background fsync failed too. */
    void cutNoLaterThan(long synced) {
        cutAt = Math.min(cutAt, synced);
    }

    void retryLater() {
        attemptAt = ticker.nanos() + RETRY_NANOS;
    }

    /** The log was reopened: appends resume. */
    void recovered() {
        active = false;
    }
}
