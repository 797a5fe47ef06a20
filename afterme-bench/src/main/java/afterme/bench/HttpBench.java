package afterme.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.jetty.client.HttpClient;

/**
 * The HTTP benchmark of issue 4. The bare Jetty handler and afterme each run as their own process
 * (afterme with -Xmx256m); the load comes from wrk (Debian's package) with N keep-alive connections,
 * each carrying one request at a time. This process only samples the daemon's heap from /metrics. Every
 * afterme figure is given as a ratio of the bare handler's at the same payload and connection count,
 * measured in alternating rounds, and for 1 MiB of the disk too. A run writes about 40 GB under the
 * data directory (1 MiB appends at the disk's speed), and deletes it at the end.
 */
final class HttpBench {
    /** Rounds of each payload size and connection count; odd, so that the median is one of them. */
    private static final int ROUNDS = 3;
    private static final Pattern URL = Pattern.compile("on (http://\\S+)");

    private final Path dataDir;
    private final Path jar;
    private final PrintStream out;

    HttpBench(Path dataDir, Path jar, PrintStream out) {
        this.dataDir = dataDir;
        this.jar = jar;
        this.out = out;
    }

    private record Result(double requestsPerSecond, double recordsPerSecond, double mbps, long p50Micros,
                          long p99Micros) {
    }

    void run() throws Exception {
        Files.createDirectories(dataDir);
        DiskProbe.Bandwidth disk = DiskProbe.Bandwidth.measure(dataDir, 512L << 20);
        double diskMBps = disk.best();
        out.println("disk: " + disk);
        HttpClient client = new HttpClient();
        client.setMaxConnectionsPerDestination(64);
        client.setMaxRequestsQueuedPerDestination(100_000);
        client.start();
        int[] sizes = {100, 1024, 1 << 20};
        int[] connections = {1, 8, 64};
        EngineBench.deleteTree(dataDir.resolve("http"));
        Process bareServer = start(List.of(java(), "-cp", benchJar(), "afterme.bench.Bench", "bare-server"));
        Process afterme = null;
        HeapWatch heap = null;
        try {
            afterme = start(List.of(java(), "-Xmx256m", "-jar", jar.toString(), "serve", "--data",
                    dataDir.resolve("http").toString(), "--listen", "127.0.0.1:0"));
            URI bareUri = url(bareServer);
            URI uri = url(afterme);
            heap = new HeapWatch(client, uri.resolve("/metrics"));
            out.println("server        payload  ack      conns   req/s  records/s     MB/s  p50 us  p99 us  ratio");
            for (int size : sizes) {
                for (int c : connections) {
                    measureCell(bareUri, uri, size, c, diskMBps);
                }
            }
            byte[] batch = batch(1000, 100);
            for (String ack : List.of("memory", "durable")) {
                for (int c : new int[] {1, 8}) {
                    Result r = load(uri.resolve("/v1/records/batch?ack=" + ack), batch, c, 1000);
                    print("afterme batch", 100, ack, c, r, String.format("%.2f of 1,000,000 records/s",
                            r.recordsPerSecond / 1e6));
                }
            }
            out.printf("afterme heap: peak %d MiB used of a 256 MiB limit (sampled from /metrics every 100 ms)%n",
                    heap.peak() >> 20);
        } finally {
            if (heap != null) {
                heap.close();
            }
            for (Process p : Arrays.asList(afterme, bareServer)) {
                if (p != null) {
                    p.destroy();
                    p.waitFor();
                }
            }
            client.stop();
            EngineBench.deleteTree(dataDir.resolve("http"));
        }
    }

    /**
     * One payload size at one connection count: {@value #ROUNDS} rounds of the bare handler, then afterme
     * memory-acked, then durable, each ratio taken within its round. This machine has slow and fast
     * spells of seconds (other guests, the JIT); alternating puts them on both sides of every ratio, and
     * the median of the rounds is what one spell cannot swing. Every round's ratio is printed too.
     */
    private void measureCell(URI bareUri, URI uri, int size, int c, double diskMBps) throws Exception {
        List<String> acks = List.of("memory", "durable");
        List<Result> bare = new ArrayList<>();
        Map<String, List<Result>> afterme = new LinkedHashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            bare.add(load(bareUri.resolve("/"), payload(size), c, 1));
            for (String ack : acks) {
                afterme.computeIfAbsent(ack, k -> new ArrayList<>())
                        .add(load(uri.resolve("/v1/records?ack=" + ack), payload(size), c, 1));
            }
        }
        print("bare jetty", size, "-", c, median(bare), "1.00");
        for (String ack : acks) {
            List<Result> rounds = afterme.get(ack);
            double[] ratios = new double[ROUNDS];
            for (int i = 0; i < ROUNDS; i++) {
                ratios[i] = rounds.get(i).requestsPerSecond / bare.get(i).requestsPerSecond;
            }
            Result r = median(rounds);
            String ratio = String.format("%.2f of bare (rounds %s)", median(ratios), join(ratios));
            if (size == 1 << 20) {
                double[] ofDisk = rounds.stream().mapToDouble(x -> x.mbps / diskMBps).toArray();
                ratio += String.format(", %.2f of disk (rounds %s)", median(ofDisk), join(ofDisk));
            }
            print("afterme", size, ack, c, r, ratio);
        }
    }

    /** The round with the median requests/s, whole, so that its latencies belong to its throughput. */
    private static Result median(List<Result> rounds) {
        List<Result> sorted = new ArrayList<>(rounds);
        sorted.sort(Comparator.comparingDouble(Result::requestsPerSecond));
        return sorted.get(sorted.size() / 2);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String join(double[] values) {
        return Arrays.stream(values).mapToObj(v -> String.format("%.2f", v)).collect(Collectors.joining(" "));
    }

    private void print(String server, int size, String ack, int conns, Result r, String ratio) {
        out.printf("%-13s %-8s %-8s %5d %7.0f %10.0f %8.1f %7d %7d  %s%n", server, label(size), ack, conns,
                r.requestsPerSecond, r.recordsPerSecond, r.mbps, r.p50Micros, r.p99Micros, ratio);
    }

    /**
     * Runs wrk (a C load generator, so that the client costs the 2 cores as little as possible) with
     * {@code connections} keep-alive connections for 3 s, after a 1 s warm-up.
     */
    private Result load(URI uri, byte[] body, int connections, int recordsPerRequest) throws Exception {
        Path bodyFile = dataDir.resolve("wrk-body.bin");
        Files.write(bodyFile, body);
        Path script = dataDir.resolve("wrk-post.lua");
        Files.writeString(script, "wrk.method = \"POST\"\n"
                + "local f = io.open(\"" + bodyFile + "\", \"rb\")\nwrk.body = f:read(\"*a\")\nf:close()\n"
                + "wrk.headers[\"Content-Type\"] = \"application/x-ndjson\"\n");
        int threads = Math.min(2, connections);
        wrk(threads, connections, "1s", script, uri);
        String out = wrk(threads, connections, "3s", script, uri);
        if (out.contains("Non-2xx") || out.contains("Socket errors")) {
            throw new IllegalStateException("errors against " + uri + ":\n" + out);
        }
        double rps = number(out, "Requests/sec:\\s+([0-9.]+)");
        return new Result(rps, rps * recordsPerRequest, rps * body.length / 1e6, micros(out, "50%"),
                micros(out, "99%"));
    }

    private static String wrk(int threads, int connections, String duration, Path script, URI uri) throws Exception {
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

    private static byte[] payload(int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 'x');
        b[0] = '"';
        b[size - 1] = '"';
        return b;
    }

    private static byte[] batch(int records, int size) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < records; i++) {
            s.append('"').append("x".repeat(size - 2)).append("\"\n");
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String label(int size) {
        return size >= 1 << 20 ? (size >> 20) + " MiB" : size >= 1024 ? (size >> 10) + " KiB" : size + " B";
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String benchJar() throws Exception {
        return Path.of(HttpBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static Process start(List<String> command) throws IOException {
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static URI url(Process p) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        for (String line = err.readLine(); line != null; line = err.readLine()) {
            Matcher m = URL.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        err.transferTo(Writer.nullWriter());
                    } catch (IOException e) {
                        // the server went away; the benchmark notices on its next request
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return URI.create(m.group(1));
            }
        }
        throw new IOException("the server did not start");
    }

    /** Samples the daemon's heap from /metrics. */
    private static final class HeapWatch implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong();
        private final Thread thread;
        private volatile boolean stop;

        HeapWatch(HttpClient client, URI metrics) {
            thread = new Thread(() -> {
                Pattern used = Pattern.compile("(?m)^afterme_jvm_heap_used_bytes (\\d+)");
                while (!stop) {
                    try {
                        Matcher m = used.matcher(client.GET(metrics).getContentAsString());
                        if (m.find()) {
                            peak.accumulateAndGet(Long.parseLong(m.group(1)), Math::max);
                        }
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // a missed sample; the next one comes in 100 ms
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        long peak() {
            return peak.get();
        }

        @Override
        public void close() {
            stop = true;
        }
    }
}
