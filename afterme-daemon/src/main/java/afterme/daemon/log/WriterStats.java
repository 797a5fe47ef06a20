package afterme.daemon.log;

import java.util.concurrent.atomic.LongAdder;

/** Counters the writer keeps and /metrics reads. Thread-safe (written by the writer, read by anyone). */
public final class WriterStats {
    /** The buckets of the disk calls' times, in seconds: from a copy into the page cache to a stalled device. */
    private static final double[] DISK_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
            0.1, 0.25, 1};

    public final LongAdder appends = new LongAdder();
    public final LongAdder records = new LongAdder();
    public final LongAdder payloadBytes = new LongAdder();
    public final LongAdder batches = new LongAdder();
    public final LongAdder duplicates = new LongAdder();
    public final LongAdder conflicts = new LongAdder();
    public final LongAdder writeErrors = new LongAdder();
    public final LongAdder fsyncErrors = new LongAdder();
    public final LongAdder rotations = new LongAdder();
    /** Seconds of each fdatasync. */
    public final Histogram fsyncSeconds = new Histogram(DISK_SECONDS);
    /**
     * Seconds of each write of a group into the active segment. A write past the page cache waits for the
     * device, and one that stalls holds every append behind it as a slow fsync does, where the fsync times
     * would not show it.
     */
    public final Histogram writeSeconds = new Histogram(DISK_SECONDS);
    /** Records the writer took together in one turn, written with one call: how well appends coalesce. */
    public final Histogram batchRecords = new Histogram(1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 16384);

    void fsync(long nanos) {
        fsyncSeconds.observe(nanos / 1e9);
    }

    void write(long nanos) {
        writeSeconds.observe(nanos / 1e9);
    }
}
