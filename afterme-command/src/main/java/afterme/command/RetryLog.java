package afterme.command;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What a retrying loop (a webhook's deliveries, a forwarder's broker, the log writer's writes) says about
 * its failures: the first one, again when the reason changes or {@link #REPEAT_NANOS} has passed, and the
 * end of them. Its retries come every 100 ms at first and every few seconds after; a line for each would
 * make a receiver down for an hour thousands of lines that bury everything else. Belongs to the one thread
 * that retries.
 */
public final class RetryLog {
    static final long REPEAT_NANOS = 60_000_000_000L;

    private final Logger log;
    private final String what;
    private final LongSupplier nanoTime;
    private long failing;
    private String saidReason;
    private long saidAt;
    /** Of {@link #repeated}: whether one was said, when, and how many came after it unsaid. */
    private boolean repeatSaid;
    private long repeatSaidAt;
    private long repeatsUnsaid;

    /** @param what the one retrying, as the lines name it: "webhook URL", "forwarder NAME" */
    public RetryLog(Logger log, String what) {
        this(log, what, System::nanoTime);
    }

    /** @param nanoTime a monotonic clock, in nanoseconds */
    public RetryLog(Logger log, String what, LongSupplier nanoTime) {
        this.log = log;
        this.what = what;
        this.nanoTime = nanoTime;
    }

    /** An attempt failed for {@code reason}; {@code next} says what happens now ("retrying"). */
    public void failed(String reason, String next) {
        failing++;
        long now = nanoTime.getAsLong();
        if (reason.equals(saidReason) && now - saidAt < REPEAT_NANOS) {
            return;
        }
        log.log(Level.WARNING, "{0} failed ({1} attempt(s) in a row): {2}; {3}", what, String.valueOf(failing), reason,
                next);
        saidReason = reason;
        saidAt = now;
    }

    /**
     * An attempt succeeded; after failures, says so: "{what} {how} after N failed attempt(s)". Cheap when
     * nothing failed, so that it can be told of every success.
     */
    public void succeeded(Supplier<String> how) {
        if (failing > 0) {
            log.log(Level.INFO, "{0} {1} after {2} failed attempt(s)", what, how.get(), String.valueOf(failing));
        }
        failing = 0;
        saidReason = null;
    }

    /**
     * Something that is no failure of the loop but may come as often as it runs, as a record the broker
     * refused and the forwarder set aside: the first is said, then at most one a minute, with how many came
     * unsaid before it. A broker that refuses every record must not write a line for each.
     */
    public void repeated(String line) {
        long now = nanoTime.getAsLong();
        if (repeatSaid && now - repeatSaidAt < REPEAT_NANOS) {
            repeatsUnsaid++;
            return;
        }
        log.log(Level.WARNING, "{0}: {1}{2}", what, line,
                repeatsUnsaid == 0 ? "" : " (" + repeatsUnsaid + " more like it since the last such line)");
        repeatSaid = true;
        repeatSaidAt = now;
        repeatsUnsaid = 0;
    }
}
