package afterme.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.HttpClient;

/**
 * The daemon's times of one kind of disk call, from its histogram in /metrics ({@code afterme_fsync_seconds},
 * {@code afterme_write_seconds}): what a durable append's tail waited on the disk for, told apart from what
 * it waited on the CPU for.
 *
 * @param bounds     each bucket's upper bound in seconds, ascending, the last infinite
 * @param cumulative how many calls took at most each bound
 */
record DiskTimes(double[] bounds, long[] cumulative) {
    /** The daemon's /metrics, read once for every histogram taken from it. */
    static String metrics(HttpClient client, URI daemon) throws Exception {
        return client.GET(daemon.resolve("/metrics")).getContentAsString();
    }

    /**
     * @param text      the daemon's /metrics ({@link #metrics})
     * @param histogram the histogram's name in it
     */
    static DiskTimes of(String text, String histogram) {
        List<double[]> buckets = new ArrayList<>();
        Pattern bucket = Pattern.compile("(?m)^" + histogram + "_bucket\\{le=\"([^\"]+)\"} (\\d+)");
        for (Matcher m = bucket.matcher(text); m.find(); ) {
            double bound = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
            buckets.add(new double[] {bound, Long.parseLong(m.group(2))});
        }
        if (buckets.isEmpty()) {
            throw new IllegalStateException("no " + histogram + " histogram in the daemon's /metrics");
        }
        return new DiskTimes(buckets.stream().mapToDouble(b -> b[0]).toArray(),
                buckets.stream().mapToLong(b -> (long) b[1]).toArray());
    }

    /** The calls between {@code before} and this. */
    DiskTimes since(DiskTimes before) {
        long[] c = cumulative.clone();
        for (int i = 0; i < c.length; i++) {
            c[i] -= before.cumulative[i];
        }
        return new DiskTimes(bounds, c);
    }

    long count() {
        return cumulative[cumulative.length - 1];
    }

    /** The bound of the bucket that holds the 99th percentile, in milliseconds: p99 is at most this. */
    double p99AtMostMillis() {
        for (int i = 0; i < bounds.length; i++) {
            if (cumulative[i] >= 0.99 * count()) {
                return bounds[i] * 1e3;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** How many took longer than {@code seconds}, which must be one of the bounds. */
    long longerThan(double seconds) {
        for (int i = 0; i < bounds.length; i++) {
            if (bounds[i] == seconds) {
                return count() - cumulative[i];
            }
        }
        throw new IllegalArgumentException(seconds + " s is not a bucket bound");
    }
}
