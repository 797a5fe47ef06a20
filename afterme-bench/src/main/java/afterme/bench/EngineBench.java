package afterme.bench;

import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The engine benchmark of issue 3: the disk's own limits first, then records/s and MB/s of the log
 * engine for 100 B, 1 KiB and 1 MiB payloads at ack memory and durable with 1 and 64 appenders, each
 * as a ratio of the disk figure measured in the same run.
 */
final class EngineBench {
    private static final long RUN_NANOS = 3_000_000_000L;
    private static final long WARMUP_NANOS = 1_000_000_000L;
    /** An appender keeps this many memory appends in flight (like a client pipelining requests). */
    private static final int MEMORY_WINDOW = 256;

    private final Path base;
    private final PrintStream out;

    EngineBench(Path base, PrintStream out) {
        this.base = base;
        this.out = out;
    }

    void run() throws Exception {
        Files.createDirectories(base);
        DiskProbe.Bandwidth disk = DiskProbe.Bandwidth.measure(base, 1L << 30);
        double diskMBps = disk.best();
        double[] sync = DiskProbe.syncLatencyMicros(base, 2000);
        out.printf("disk: %s; 4 KiB append+fdatasync p50 %.0f us, p99 %.0f us%n", disk, sync[0], sync[1]);
        out.println("payload  ack      appenders  records/s    MB/s   p50 us  ratio");
        for (int size : new int[] {100, 1024, 1 << 20}) {
            for (Ack ack : Ack.values()) {
                for (int appenders : new int[] {1, 64}) {
                    Result r = measure(size, ack, appenders);
                    String ratio;
                    if (size == 1 << 20) {
                        ratio = String.format("%.2f of disk MB/s", r.mbps / diskMBps);
                    } else if (ack == Ack.DURABLE && appenders == 64) {
                        double groupCeiling = 64 / (sync[0] / 1e6);
                        ratio = String.format("%.2f of 64/fsync_p50 (%.0f/s)", r.recordsPerSecond / groupCeiling,
                                groupCeiling);
                    } else if (ack == Ack.DURABLE) {
                        ratio = String.format("p50 %.2fx fsync p50", r.p50Micros / sync[0]);
                    } else {
                        ratio = String.format("%.2f of 1,000,000/s", r.recordsPerSecond / 1e6);
                    }
                    out.printf("%-8s %-8s %9d %10.0f %7.1f %8.0f  %s%n", label(size), ack.name().toLowerCase(),
                            appenders, r.recordsPerSecond, r.mbps, r.p50Micros, ratio);
                }
            }
        }
    }

    void runOne(int size, Ack ack, int appenders) throws Exception {
        Result r = measure(size, ack, appenders);
        out.printf("%d B %s x%d: %.0f records/s, p50 %.0f us%n", size, ack, appenders, r.recordsPerSecond, r.p50Micros);
    }

    private record Result(double recordsPerSecond, double mbps, double p50Micros) {
    }

    private Result measure(int size, Ack ack, int appenders) throws Exception {
        Path dir = base.resolve("engine-" + size + "-" + ack + "-" + appenders);
        deleteTree(dir);
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'x');
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            // Untimed first, as the HTTP benchmark does: each configuration is measured once the JIT has
            // compiled its own paths, not while it recompiles the previous configuration's.
            load(log, payload, ack, appenders, WARMUP_NANOS, new AtomicLong());
            long turnsBefore = log.stats().batches.sum();
            long fsyncsBefore = fsyncs(log);
            double fsyncSecondsBefore = log.stats().fsyncSeconds.sum();
            AtomicLong records = new AtomicLong();
            long start = System.nanoTime();
            List<long[]> latencies = load(log, payload, ack, appenders, RUN_NANOS, records);
            double seconds = (System.nanoTime() - start) / 1e9;
            double rps = records.get() / seconds;
            if (System.getenv("AFTERME_BENCH_DEBUG") != null) {
                System.err.printf("  %d records, %d writer turns, %d fsyncs taking %.2f s of %.2f s%n", records.get(),
                        log.stats().batches.sum() - turnsBefore, fsyncs(log) - fsyncsBefore,
                        log.stats().fsyncSeconds.sum() - fsyncSecondsBefore, seconds);
            }
            return new Result(rps, rps * size / 1e6, p50(latencies));
        } finally {
            deleteTree(dir);
        }
    }

    /** Appends for {@code nanos} with the given appenders; returns their latency samples. */
    private static List<long[]> load(Log log, byte[] payload, Ack ack, int appenders, long nanos, AtomicLong records)
            throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        if (appenders > 1) {
            return List.of(new AsyncAppenders(log, payload, ack, appenders, deadline, records).run());
        }
        long[] samples = new long[1 << 16];
        Thread t = new Thread(() -> appendUntil(log, payload, ack, deadline, records, samples));
        t.start();
        t.join();
        return List.of(samples);
    }

    private static long fsyncs(Log log) {
        return log.stats().fsyncSeconds.count();
    }

    private static void appendUntil(Log log, byte[] payload, Ack ack, long deadline, AtomicLong records,
                                    long[] samples) {
        int n = 0;
        int window = ack == Ack.MEMORY && payload.length < 65536 ? MEMORY_WINDOW : 1;
        List<CompletableFuture<?>> inFlight = new ArrayList<>(window);
        try {
            while (System.nanoTime() < deadline) {
                long t = System.nanoTime();
                for (int i = 0; i < window; i++) {
                    Append a = log.submit(Append.of(payload, ack));
                    inFlight.add(ack == Ack.DURABLE ? a.durable : a.written);
                }
                for (CompletableFuture<?> f : inFlight) {
                    f.get();
                }
                inFlight.clear();
                samples[n++ & (samples.length - 1)] = (System.nanoTime() - t) / 1000;
                records.addAndGet(window);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        samples[samples.length - 1] = n;
    }

    /** The median latency of a round (one append, or one window of pipelined appends). */
    private static double p50(List<long[]> perThread) {
        List<Long> all = new ArrayList<>();
        for (long[] s : perThread) {
            int n = (int) Math.min(s[s.length - 1], s.length - 1);
            for (int i = 0; i < n; i++) {
                all.add(s[i]);
            }
        }
        all.sort(Comparator.naturalOrder());
        return all.isEmpty() ? 0 : all.get(all.size() / 2);
    }

    private static String label(int size) {
        return size >= 1 << 20 ? (size >> 20) + " MiB" : size >= 1024 ? (size >> 10) + " KiB" : size + " B";
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
