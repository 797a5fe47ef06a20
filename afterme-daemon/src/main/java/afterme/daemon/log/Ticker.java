package afterme.daemon.log;

/**
 * The monotonic clock of the engine's deadlines (flushes, recovery attempts) and its fsync timings. A
 * {@link java.time.Clock} gives records their time; this one only measures, and tests may drive it.
 */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin, never going backwards. */
    long nanos();
}
