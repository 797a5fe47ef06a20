package afterme.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;
import org.eclipse.jetty.client.HttpClient;

/**
 * Every payload size from 100 B to 1 MiB, memory and durable, at 64 connections (and 8 from 256 KiB), each
 * beside the bare Jetty handler and the hashing handler with the same body (the targets take the hashing
 * handler and the disk's own append+fdatasync bandwidth from 64 KiB), in alternating rounds; then 100 B
 * durable appends beside Redis Streams with {@code appendfsync always} under the same kind of load. afterme
 * runs with the options bin/afterme gives it, and its heap (from /metrics) and resident memory (from /proc)
 * are sampled every 100 ms through the whole sweep. Beside afterme's durable p99/p50 stands the bare
 * handler's own, under the same load: the tail of HTTP on this machine, with wrk on the same two cores and
 * nothing behind the handler. Beside each figure stands the CPU time each request cost: the server's own and
 * the whole machine's (wrk and the kernel's network work included), which says where each size loses.
 * Latencies, like rates, are the medians of the rounds (p99/p50 the median of the rounds' own). wrk corrects
 * its latencies for coordinated omission: a request that took k times the mean interval between a
 * connection's requests also counts the k - 1 that the connection would have sent meanwhile, so a single
 * stall of 100 ms under all 64 connections, in a 3 s round of 6 ms requests, adds about 1,000 samples of
 * 6-100 ms to its 32,000 and puts its p99 near 70 ms. Beside each durable round's tail stands what it
 * could have waited on: the daemon's own fsyncs and writes over that round (its /metrics histograms) and
 * the host's steal of the machine's CPU.
 */
final class SizeSweep {
    private static final int ROUNDS = 3;
    private static final int[] SIZES = {100, 1024, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20};
    private static final String FSYNCS = "afterme_fsync_seconds";
    private static final String WRITES = "afterme_write_seconds";
    /**
     * Each load that warms a new process before it is measured: the bare and hashing handlers once, each
     * size's daemon before its size ({@link #warm}), as http-ab warms its daemons. Unwarmed, a new daemon
     * answered 1 KiB memory-acked appends at 13,000 requests/s in its first 3 s, 36,000 in the next 3 and
     * 55,000-61,000 from its seventh second on (interpreted code, then C2 compiling on the cores that wrk
     * and the daemon share).
     */
    private static final String WARM_UP = "5s";

    /** A server under load: where it answers and its process, whose CPU time is counted. */
    private record Server(URI uri, ProcessHandle process) {
        static Server of(Process p) throws IOException {
            return new Server(Servers.url(p), p.toHandle());
        }
    }

    private final Path dataDir;
    private final Path jar;
    /** What the hashing handler writes its bodies into. */
    private final Path hashingFile;
    private final PrintStream out;
    /** The rows of the CPU table, printed after the rates. */
    private final List<String> cpuRows = new ArrayList<>();
    /** The rows of the durable tail's table, printed after the CPU table. */
    private final List<String> tailRows = new ArrayList<>();

    SizeSweep(Path dataDir, Path jar, PrintStream out) {
        this.dataDir = dataDir;
        this.hashingFile = dataDir.resolve("hashing.bin");
        this.jar = jar;
        this.out = out;
    }

    void run() throws Exception {
        Files.createDirectories(dataDir);
        DiskProbe.Bandwidth disk = DiskProbe.Bandwidth.measure(dataDir, 512L << 20);
        out.println("disk: " + disk);
        Path log = dataDir.resolve("sweep");
        EngineBench.deleteTree(log);
        HttpClient client = new HttpClient();
        client.start();
        Process bare = Servers.bare();
        Process hashing = null;
        long heapPeak = 0;
        long residentPeak = 0;
        try {
            hashing = Servers.hashing(hashingFile);
            Server bareServer = Server.of(bare);
            Server hashingServer = Server.of(hashing);
            for (Server handler : List.of(bareServer, hashingServer)) {
                new Wrk(dataDir).load(handler.uri().resolve("/"), HttpBench.payload(SIZES[0]), 64, 1, null, WARM_UP);
            }
            out.println("memory ratio: of the bare handler up to 16 KiB, of the lower of bare and hashing from 64 KiB"
                    + " (of hashing alone in brackets); durable ratio: of its target (0.8 of bare up to 16 KiB, from 64"
                    + " KiB the lower of 0.85 of hashing and 0.9 of the disk), 1.00 = met; every figure the median of the"
                    + " rounds, p99/p50 the median of the rounds' own");
            out.println("payload  conns |  bare/s  hashing/s |  memory/s  ratio        | durable/s  ratio        "
                    + "p50 ms  p99 ms  p99/p50 | bare p99/p50");
            List<String> verdicts = new ArrayList<>();
            for (int size : SIZES) {
                // A daemon and a log for each size, so that the disk holds what one size writes (up to 20 GB).
                Process afterme = Servers.afterme(jar, log);
                Server daemon = Server.of(afterme);
                warm(daemon.uri(), size);
                try (MemoryWatch memory = new MemoryWatch(client, daemon.uri().resolve("/metrics"), afterme.pid())) {
                    for (int c : size >= 256 << 10 ? new int[] {64, 8} : new int[] {64}) {
                        verdicts.add(cell(client, bareServer, hashingServer, daemon, size, c, disk.best()));
                    }
                    heapPeak = Math.max(heapPeak, memory.heapPeak());
                    residentPeak = Math.max(residentPeak, memory.residentPeak());
                } finally {
                    // The hashing file stays: the hashing handler reopens it by name for its writeback each
                    // time it wraps round, and it never grows past a GiB.
                    Servers.stop(Arrays.asList(afterme));
                    EngineBench.deleteTree(log);
                }
            }
            out.println("CPU time per request, us: each server's own, and the whole machine's (wrk and the kernel's"
                    + " network work included)");
            out.println("payload  conns |  bare  hashing  memory  durable | machine: bare  hashing  memory  durable");
            cpuRows.forEach(out::println);
            out.println("Durable appends' tail in each round: p99/p50, the daemon's fsyncs over the round (their p99"
                    + " as the bound of the histogram bucket that holds it, and how many took over 10 ms), how many of"
                    + " its writes took over 10 ms, and the share of the machine's CPU time the host took (steal %)");
            out.println("payload  conns | p99/p50  fsync<=ms  >10ms  writes  steal% | round 2, the same"
                    + " | round 3, the same");
            tailRows.forEach(out::println);
            out.printf("afterme through the sweep: heap peak %d MiB used, resident memory peak %d MiB%n",
                    heapPeak >> 20, residentPeak >> 20);
            verdicts.forEach(out::println);
        } finally {
            Servers.stop(Arrays.asList(hashing, bare));
            client.stop();
            EngineBench.deleteTree(log);
            Files.deleteIfExists(hashingFile);
        }
        redis();
    }

    /**
     * Memory-acked and durable appends of 100 B, then of the size's own bodies. The small bodies come by
     * tens of thousands a second and have what every size runs (HTTP parsing, the writer's turn) compiled
     * within seconds; 1 MiB bodies alone, 500 a second, kept C2 compiling on a fifth of a core through their
     * first 20 s, where after the small ones it had almost nothing left to compile.
     */
    private void warm(URI uri, int size) throws Exception {
        for (int bytes : IntStream.of(SIZES[0], size).distinct().toArray()) {
            for (String ack : List.of("memory", "durable")) {
                new Wrk(dataDir).load(uri.resolve("/v1/records?ack=" + ack), HttpBench.payload(bytes), 64, 1, null,
                        WARM_UP);
            }
        }
    }

    /** One size at one connection count; returns its verdicts against the targets. */
    private String cell(HttpClient client, Server bareServer, Server hashingServer, Server daemon, int size, int c,
                        double diskMBps) throws Exception {
        boolean large = size >= 64 << 10;
        List<Wrk.Result> bare = new ArrayList<>();
        List<Wrk.Result> hashing = new ArrayList<>();
        List<Wrk.Result> memory = new ArrayList<>();
        List<Wrk.Result> durable = new ArrayList<>();
        List<DiskTimes> durableFsyncs = new ArrayList<>();
        List<DiskTimes> durableWrites = new ArrayList<>();
        byte[] body = HttpBench.payload(size);
        for (int round = 0; round < ROUNDS; round++) {
            bare.add(load(bareServer, "/", body, c));
            hashing.add(load(hashingServer, "/", body, c));
            syncHashingFile();
            memory.add(load(daemon, "/v1/records?ack=memory", body, c));
            // Warmed apart, so that the fsyncs counted are those of the measured seconds alone.
            URI durableUri = daemon.uri().resolve("/v1/records?ack=durable");
            new Wrk(dataDir).load(durableUri, body, c, 1, null, "1s");
            String before = DiskTimes.metrics(client, daemon.uri());
            durable.add(new Wrk(dataDir).load(durableUri, body, c, 1, null, "3s", daemon.process()));
            String after = DiskTimes.metrics(client, daemon.uri());
            durableFsyncs.add(DiskTimes.of(after, FSYNCS).since(DiskTimes.of(before, FSYNCS)));
            durableWrites.add(DiskTimes.of(after, WRITES).since(DiskTimes.of(before, WRITES)));
        }
        // Each round's afterme figure over the lower of its limits in the same round.
        double[] memoryRatio = new double[ROUNDS];
        double[] durableRatio = new double[ROUNDS];
        double[] memoryOfHashing = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            double bareRps = bare.get(r).requestsPerSecond();
            double hashingRps = hashing.get(r).requestsPerSecond();
            memoryOfHashing[r] = memory.get(r).requestsPerSecond() / hashingRps;
            double diskRps = diskMBps * 1e6 / size;
            memoryRatio[r] = memory.get(r).requestsPerSecond() / (large ? Math.min(bareRps, hashingRps) : bareRps);
            durableRatio[r] = large
                    ? durable.get(r).requestsPerSecond() / Math.min(0.85 * hashingRps, 0.9 * diskRps)
                    : durable.get(r).requestsPerSecond() / (0.8 * bareRps);
        }
        Wrk.Result d = HttpBench.median(durable);
        double bareTail = HttpBench.median(bare.stream().mapToDouble(SizeSweep::tail).toArray());
        double memoryMedian = HttpBench.median(memoryRatio);
        double durableMedian = HttpBench.median(durableRatio);
        double tail = HttpBench.median(durable.stream().mapToDouble(SizeSweep::tail).toArray());
        double p50 = HttpBench.median(durable.stream().mapToDouble(Wrk.Result::p50Micros).toArray()) / 1e3;
        double p99 = HttpBench.median(durable.stream().mapToDouble(Wrk.Result::p99Micros).toArray()) / 1e3;
        String label = HttpBench.label(size);
        out.printf("%-8s %5d | %7.0f  %9.0f | %8.0f  %-12s | %8.0f  %-12s %6.2f  %6.2f  %7.1f | %12.1f%n", label, c,
                HttpBench.median(bare).requestsPerSecond(), HttpBench.median(hashing).requestsPerSecond(),
                HttpBench.median(memory).requestsPerSecond(),
                String.format("%.2f (%.2f)", memoryMedian, HttpBench.median(memoryOfHashing)), d.requestsPerSecond(),
                String.format("%.2f", durableMedian), p50, p99, tail, bareTail);
        cpuRows.add(String.format("%-8s %5d | %5.1f  %7.1f  %6.1f  %7.1f |          %5.1f  %7.1f  %6.1f  %7.1f",
                label, c, medianCpu(bare, Wrk.Result::serverCpuMicros),
                medianCpu(hashing, Wrk.Result::serverCpuMicros), medianCpu(memory, Wrk.Result::serverCpuMicros),
                medianCpu(durable, Wrk.Result::serverCpuMicros), medianCpu(bare, Wrk.Result::machineCpuMicros),
                medianCpu(hashing, Wrk.Result::machineCpuMicros), medianCpu(memory, Wrk.Result::machineCpuMicros),
                medianCpu(durable, Wrk.Result::machineCpuMicros)));
        StringBuilder rounds = new StringBuilder(String.format("%-8s %5d", label, c));
        for (int r = 0; r < ROUNDS; r++) {
            DiskTimes fsyncs = durableFsyncs.get(r);
            rounds.append(String.format(" | %7.1f  %9.2f  %5d  %6d  %6.1f", tail(durable.get(r)),
                    fsyncs.p99AtMostMillis(), fsyncs.longerThan(0.01), durableWrites.get(r).longerThan(0.01),
                    durable.get(r).stealShare() * 100));
        }
        tailRows.add(rounds.toString());
        String limit = large ? "the lower of the bare and hashing handlers" : "the bare handler";
        // Three places, so that a ratio just short of its target is not printed as the target itself.
        return String.format("%s at %d: memory %.3f of %s (target 0.85: %s); durable %.3f of its target (%s; %s);"
                        + " durable p99 %.1fx p50 (target 5x: %s; the bare handler's own %.1fx)%s", label, c,
                memoryMedian, limit,
                memoryMedian >= 0.85 ? "met" : "missed", durableMedian,
                large ? "0.85 of hashing or 0.9 of the disk, the lower" : "0.8 of bare",
                durableMedian >= 1 ? "met" : "missed", tail, tail <= 5 ? "met" : "missed",
                bareTail, large ? String.format("; memory-acked %.0f MB/s, %.2f of the disk",
                        HttpBench.median(memory).mbps(), HttpBench.median(memory).mbps() / diskMBps) : "");
    }

    /**
     * 100 B durable appends at 64 connections against Redis Streams (XADD of a 100 B field) with {@code
     * appendonly yes, appendfsync always}, Debian's redis-server in its own scratch directory under the
     * data directory, redis-benchmark with 64 clients; alternating, three rounds.
     */
    private void redis() throws Exception {
        Path scratch = dataDir.resolve("redis");
        Path log = dataDir.resolve("sweep-redis");
        EngineBench.deleteTree(scratch);
        EngineBench.deleteTree(log);
        Files.createDirectories(scratch);
        int port = freePort();
        Process redis = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--dir", scratch.toString(), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--daemonize", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Process afterme = null;
        try {
            waitForRedis(port);
            afterme = Servers.afterme(jar, log);
            Server daemon = Server.of(afterme);
            byte[] body = HttpBench.payload(100);
            // A daemon started afresh: its JIT warmed as the sweep's was, before the first round.
            new Wrk(dataDir).load(daemon.uri().resolve("/v1/records?ack=durable"), body, 64, 1, null, "5s");
            double[] ratios = new double[ROUNDS];
            List<String> rounds = new ArrayList<>();
            for (int r = 0; r < ROUNDS; r++) {
                double[] x = redisBenchmark(port);
                Wrk.Result a = load(daemon, "/v1/records?ack=durable", body, 64);
                ratios[r] = a.requestsPerSecond() / x[0];
                rounds.add(String.format("redis %.0f/s (p99 %.1f ms), afterme %.0f/s (p99 %.1f ms): %.2fx", x[0], x[1],
                        a.requestsPerSecond(), a.p99Micros() / 1e3, ratios[r]));
            }
            rounds.forEach(s -> out.println("100 B durable, 64 clients: " + s));
            double ratio = HttpBench.median(ratios);
            out.printf("100 B durable appends: %.2fx Redis Streams with appendfsync always (target 1.5x: %s)%n", ratio,
                    ratio >= 1.5 ? "met" : "missed");
        } finally {
            Servers.stop(Arrays.asList(afterme, redis));
            EngineBench.deleteTree(scratch);
            EngineBench.deleteTree(log);
        }
    }

    /** XADD of a 100-byte field for 3 s worth of requests; {requests/s, p99 ms}. */
    private static double[] redisBenchmark(int port) throws Exception {
        String value = "x".repeat(100);
        Process p = new ProcessBuilder("redis-benchmark", "-h", "127.0.0.1", "-p", String.valueOf(port), "-c", "64",
                "-n", "60000", "--csv", "XADD", "afterme-bench", "*", "f", value).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("redis-benchmark failed:\n" + text);
        }
        // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",...
        for (String line : text.split("\n")) {
            if (line.startsWith("\"XADD")) {
                String[] f = line.replace("\"", "").split(",");
                return new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[6])};
            }
        }
        throw new IOException("no XADD line in redis-benchmark's output:\n" + text);
    }

    private static void waitForRedis(int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IOException("redis-server did not start on port " + port);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Waits until what the hashing handler wrote is on the disk, before the daemon's round. The handler
     * starts writeback and waits for none of it, and what it leaves on its way to the disk would otherwise
     * be paid for by the daemon's next fsync: after 4 s of 64 KiB bodies from 64 connections, an fdatasync
     * of its file took 0.88 s, and 1.08 s after 1 MiB bodies, where the kernel counted 2 and 29 MB dirty.
     */
    private void syncHashingFile() throws IOException {
        try (FileChannel file = FileChannel.open(hashingFile, StandardOpenOption.WRITE)) {
            file.force(false);
        }
    }

    private Wrk.Result load(Server server, String path, byte[] body, int connections) throws Exception {
        return new Wrk(dataDir).load(server.uri().resolve(path), body, connections, 1, "1s", "3s", server.process());
    }

    private static double tail(Wrk.Result r) {
        return (double) r.p99Micros() / r.p50Micros();
    }

    private static double medianCpu(List<Wrk.Result> rounds, ToDoubleFunction<Wrk.Result> cpu) {
        return HttpBench.median(rounds.stream().mapToDouble(cpu).toArray());
    }


}
