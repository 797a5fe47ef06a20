package afterme.daemon.log;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;

/** A Prometheus histogram: counts per bucket and a sum. Thread-safe; /metrics reads it while the writer observes. */
public final class Histogram {
    private final double[] bounds;
    /** One count per bound, then the +Inf bucket. */
    private final AtomicLongArray counts;
    private final DoubleAdder sum = new DoubleAdder();

    /** @param bounds the buckets' upper bounds ({@code le}), ascending */
    public Histogram(double... bounds) {
        this.bounds = bounds.clone();
        this.counts = new AtomicLongArray(bounds.length + 1);
    }

    public void observe(double value) {
        int i = 0;
        while (i < bounds.length && value > bounds[i]) {
            i++;
        }
        counts.incrementAndGet(i);
        sum.add(value);
    }

    /** The buckets' upper bounds, without +Inf. */
    public double[] bounds() {
        return bounds.clone();
    }

    /** Cumulative counts per bucket, the last being +Inf (the total). */
    public long[] cumulative() {
        long[] out = new long[counts.length()];
        long total = 0;
        for (int i = 0; i < out.length; i++) {
            total += counts.get(i);
            out[i] = total;
        }
        return out;
    }

    public long count() {
        long[] c = cumulative();
        return c[c.length - 1];
    }

    public double sum() {
        return sum.sum();
    }
}
