package afterme.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * wrk (Debian's package), a C load generator, so that the client costs the 2 cores as little as
 * possible: POSTs of one body over N keep-alive connections, each carrying one request at a time.
 */
final class Wrk {
    /**
     * @param serverCpuMicros  the loaded server's CPU time per request over the measured load; NaN when no
     *                         server was named
     * @param machineCpuMicros the whole machine's CPU time per request over the same load: every process (wrk
     *                         and the server among them) and the kernel's interrupts, not the time the host
     *                         took from this virtual machine or the time it sat idle
     * @param stealShare       the share of the machine's CPU time over the same load that the host gave to
     *                         others (steal in /proc/stat): time in which a runnable thread here waited
     */
    record Result(double requestsPerSecond, double recordsPerSecond, double mbps, long p50Micros, long p99Micros,
                  double serverCpuMicros, double machineCpuMicros, double stealShare) {
    }

    /** Linux's clock ticks per second in /proc, the same on every x86 kernel. */
    private static final double TICKS_PER_SECOND = 100;

    private final Path dir;

    /** {@code dir} holds the body and the script wrk reads. */
    Wrk(Path dir) {
        this.dir = dir;
    }

    /** Loads {@code uri} for {@code warmUp} unmeasured, then {@code duration} measured (wrk durations: "3s"). */
    Result load(URI uri, byte[] body, int connections, int recordsPerRequest, String warmUp, String duration)
            throws Exception {
        return load(uri, body, connections, recordsPerRequest, warmUp, duration, null);
    }

    /** As {@link #load(URI, byte[], int, int, String, String)}, and counts {@code server}'s CPU time too. */
    Result load(URI uri, byte[] body, int connections, int recordsPerRequest, String warmUp, String duration,
                ProcessHandle server) throws Exception {
        Path bodyFile = dir.resolve("wrk-body.bin");
        Files.write(bodyFile, body);
        Path script = dir.resolve("wrk-post.lua");
        Files.writeString(script, "wrk.method = \"POST\"\n"
                + "local f = io.open(\"" + bodyFile + "\", \"rb\")\nwrk.body = f:read(\"*a\")\nf:close()\n"
                + "wrk.headers[\"Content-Type\"] = \"application/x-ndjson\"\n");
        int threads = Math.min(2, connections);
        if (warmUp != null) {
            run(threads, connections, warmUp, script, uri);
        }
        double serverBefore = cpuMicros(server);
        CpuTicks machineBefore = CpuTicks.now();
        String out = run(threads, connections, duration, script, uri);
        double serverCpu = cpuMicros(server) - serverBefore;
        CpuTicks machine = CpuTicks.now().since(machineBefore);
        if (out.contains("Non-2xx") || out.contains("Socket errors")) {
            throw new IllegalStateException("errors against " + uri + ":\n" + out + "one more request answered: "
                    + answer(uri, body));
        }
        double rps = number(out, "Requests/sec:\\s+([0-9.]+)");
        double requests = number(out, "([0-9]+) requests in");
        return new Result(rps, rps * recordsPerRequest, rps * body.length / 1e6, micros(out, "50%"),
                micros(out, "99%"), serverCpu / requests, machine.busy / TICKS_PER_SECOND * 1e6 / requests,
                (double) machine.steal / machine.all);
    }

    /**
     * The status and reply of one POST of {@code body}: wrk counts refusals but never says what they were
     * (a full disk, 507, looks like any other).
     */
    private static String answer(URI uri, byte[] body) {
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(body.length);
            c.setRequestProperty("Content-Type", "application/x-ndjson");
            try (OutputStream o = c.getOutputStream()) {
                o.write(body);
            }
            int status = c.getResponseCode();
            InputStream reply = status < 400 ? c.getInputStream() : c.getErrorStream();
            String text = reply == null ? "" : new String(reply.readAllBytes(), StandardCharsets.UTF_8).strip();
            return status + " " + text;
        } catch (IOException e) {
            return "no answer (" + e + ")";
        }
    }

    /** The process's CPU time so far in microseconds; NaN for no process. */
    private static double cpuMicros(ProcessHandle process) {
        if (process == null) {
            return Double.NaN;
        }
        return process.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException(
                "no CPU time for process " + process.pid())).toNanos() / 1e3;
    }

    /**
     * The ticks all CPUs have spent so far, from the first line of /proc/stat: busy (user, nice, system, irq
     * and softirq; not idle, iowait or the host's steal), stolen by the host, and all of them.
     */
    private record CpuTicks(long busy, long steal, long all) {
        static CpuTicks now() throws IOException {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long[] t = new long[8];
            for (int i = 0; i < t.length; i++) {
                t[i] = Long.parseLong(f[i + 1]);
            }
            return new CpuTicks(t[0] + t[1] + t[2] + t[5] + t[6], t[7], Arrays.stream(t).sum());
        }

        CpuTicks since(CpuTicks before) {
            return new CpuTicks(busy - before.busy, steal - before.steal, all - before.all);
        }
    }

    private static String run(int threads, int connections, String duration, Path script, URI uri)
            throws Exception {
        Process p = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + duration, "--latency",
                "--timeout", "30s", "-s", script.toString(), uri.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("wrk failed (is it installed? apt-get install wrk):\n" + out);
        }
        return out;
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no " + regex + " in wrk's output:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    /** A latency percentile line of wrk --latency ("50%  1.23ms") in microseconds. */
    private static long micros(String text, String percentile) {
        Matcher m = Pattern.compile("(?m)^\\s+" + percentile + "\\s+([0-9.]+)(us|ms|s)").matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no " + percentile + " latency in wrk's output:\n" + text);
        }
        double v = Double.parseDouble(m.group(1));
        return (long) switch (m.group(2)) {
            case "us" -> v;
            case "ms" -> v * 1000;
            default -> v * 1_000_000;
        };
    }
}
