package afterme.bench;

import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.format.Segments;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The tools benchmark of issue 5: a 1 GiB log of 1 KiB records and one of 100 B records; verify (full
 * and --quick), dump and tail to /dev/null, each timed as a process with a warm page cache, beside the
 * time {@code cat} takes to read the same files. The tools run as a user runs them: through the
 * {@code bin/afterme} launcher, with the JVM options it gives them.
 */
final class ToolsBench {
    private static final long LOG_BYTES = 1L << 30;

    private final Path base;
    private final Path launcher;
    private final PrintStream out;

    ToolsBench(Path base, Path launcher, PrintStream out) {
        this.base = base;
        this.launcher = launcher;
        this.out = out;
    }

    void run() throws Exception {
        Files.createDirectories(base);
        for (int size : new int[] {1024, 100}) {
            Path dir = base.resolve("tools-" + size);
            EngineBench.deleteTree(dir);
            long records = fill(dir, size);
            List<String> segments = new ArrayList<>();
            long bytes = 0;
            for (Path s : Segments.list(dir)) {
                segments.add(s.toString());
                bytes += Files.size(s);
            }
            List<String> cat = new ArrayList<>(List.of("cat"));
            cat.addAll(segments);
            double catSeconds = time(cat);
            out.printf("%d B records: %d records, %.2f GB in %d segments; cat %.2f s (%.2f GB/s)%n", size, records,
                    bytes / 1e9, segments.size(), catSeconds, bytes / 1e9 / catSeconds);
            report("verify --quick", afterme("verify", "--quick", dir.toString()), bytes, records, catSeconds);
            report("verify", afterme("verify", dir.toString()), bytes, records, catSeconds);
            report("dump > /dev/null", afterme("dump", dir.toString()), bytes, records, catSeconds);
            report("tail > /dev/null", afterme("tail", dir.toString()), bytes, records, catSeconds);
            report("tail --output raw", afterme("tail", "--output", "raw", dir.toString()), bytes, records,
                    catSeconds);
            EngineBench.deleteTree(dir);
        }
    }

    private void report(String what, double seconds, long bytes, long records, double catSeconds) {
        out.printf("  %-18s %6.2f s  %5.2f GB/s  %9.0f records/s  %4.1fx cat%n", what, seconds, bytes / 1e9 / seconds,
                records / seconds, seconds / catSeconds);
    }

    private double afterme(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(Arrays.asList(args));
        return time(cmd);
    }

    /** The second of two runs (the first warms the page cache), stdout to /dev/null. */
    private static double time(List<String> command) throws Exception {
        double seconds = 0;
        for (int run = 0; run < 2; run++) {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            int exit = p.waitFor();
            seconds = (System.nanoTime() - start) / 1e9;
            if (exit != 0) {
                throw new IOException(String.join(" ", command) + " exited " + exit);
            }
        }
        return seconds;
    }

    /** Appends records of {@code size} bytes in batches until the log holds 1 GiB. */
    private static long fill(Path dir, int size) throws Exception {
        byte[] payload = new byte[size];
        Arrays.fill(payload, (byte) 'x');
        List<byte[]> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(payload);
        }
        long records = 0;
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            while (bytes(log) < LOG_BYTES) {
                for (int i = 0; i < 100; i++) {
                    log.submit(Append.of(batch, null, null, -1, Ack.MEMORY)).written.get();
                    records += batch.size();
                }
            }
            log.submit(Append.of(payload, Ack.DURABLE)).durable.get();
            records++;
        }
        return records;
    }

    private static long bytes(Log log) throws IOException {
        long total = 0;
        for (Path s : log.segments()) {
            total += Files.size(s);
        }
        return total;
    }
}
