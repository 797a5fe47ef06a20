package afterme.daemon.log;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** Counters the writer keeps and /metrics reads. Thread-safe (written by the writer, read by anyone). */
public final class WriterStats {
    /** Upper bounds of the fsync latency buckets, in seconds (Prometheus histogram {@code le}). */
    public static final double[] FSYNC_BUCKETS_SECONDS =
            {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};

    public final LongAdder appends = new LongAdder();
    public final LongAdder records = new LongAdder();
    public final LongAdder payloadBytes = new LongAdder();
    public final LongAdder batches = new LongAdder();
    public final LongAdder duplicates = new LongAdder();
    public final LongAdder conflicts = new LongAdder();
    public final LongAdder writeErrors = new LongAdder();
    public final LongAdder fsyncErrors = new LongAdder();
    public final LongAdder rotations = new LongAdder();
    private final AtomicLongArray fsyncBuckets = new AtomicLongArray(FSYNC_BUCKETS_SECONDS.length + 1);
    private final LongAdder fsyncNanos = new LongAdder();

    void fsync(long nanos) {
        double seconds = nanos / 1e9;
        int i = 0;
        while (i < FSYNC_BUCKETS_SECONDS.length && seconds > FSYNC_BUCKETS_SECONDS[i]) {
            i++;
        }
        fsyncBuckets.incrementAndGet(i);
        fsyncNanos.add(nanos);
    }

    /** Cumulative counts per bucket, the last being +Inf (the total). */
    public long[] fsyncCumulative() {
        long[] out = new long[fsyncBuckets.length()];
        long sum = 0;
        for (int i = 0; i < out.length; i++) {
            sum += fsyncBuckets.get(i);
            out[i] = sum;
        }
        return out;
    }

    public double fsyncSeconds() {
        return fsyncNanos.sum() / 1e9;
    }
}
