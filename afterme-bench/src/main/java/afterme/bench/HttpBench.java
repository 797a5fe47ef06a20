package afterme.bench;

import java.io.PrintStream;
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
import java.util.stream.Collectors;
import org.eclipse.jetty.client.HttpClient;

/**
 * The HTTP benchmark of issue 4. The bare Jetty handler and afterme each run as their own process
 * (afterme with the JVM options bin/afterme gives serve); the load comes from wrk (Debian's package)
 * with N keep-alive connections, each carrying one request at a time. This process only samples the
 * daemon's heap from /metrics. Every afterme figure is given as a ratio of the bare handler's at the
 * same payload and connection count, measured in alternating rounds, and for 1 MiB of the disk too, and
 * of the hashing handler ({@link HashingWrite}), which measures in the same run how far the 2 cores go
 * with large bodies when nothing waits for an fsync. A run writes about 40 GB under the data directory
 * (1 MiB appends at the disk's speed), and deletes it at the end.
 */
final class HttpBench {
    /**
     * Rounds of each payload size and connection count; odd, so that the median is one of them. Five,
     * so that two slow spells cannot move a median; three for 1 MiB, where five would write more than
     * the disk may have room for (the log is deleted only at the end).
     */
    private static final int ROUNDS = 5;
    private static final int ROUNDS_1_MIB = 3;

    private final Path dataDir;
    private final Path jar;
    private final PrintStream out;

    HttpBench(Path dataDir, Path jar, PrintStream out) {
        this.dataDir = dataDir;
        this.jar = jar;
        this.out = out;
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
        Path hashingFile = dataDir.resolve("hashing.bin");
        Process bareServer = Servers.bare();
        Process hashingServer = null;
        Process afterme = null;
        MemoryWatch heap = null;
        try {
            hashingServer = Servers.hashing(hashingFile);
            afterme = Servers.afterme(jar, dataDir.resolve("http"));
            URI bareUri = Servers.url(bareServer);
            URI hashingUri = Servers.url(hashingServer);
            URI uri = Servers.url(afterme);
            heap = new MemoryWatch(client, uri.resolve("/metrics"), afterme.pid());
            out.println("server        payload  ack      conns   req/s  records/s     MB/s  p50 us  p99 us  ratio");
            for (int size : sizes) {
                for (int c : connections) {
                    measureCell(bareUri, hashingUri, uri, size, c, diskMBps);
                }
            }
            byte[] batch = batch(1000, 100);
            for (String ack : List.of("memory", "durable")) {
                for (int c : new int[] {1, 8}) {
                    Wrk.Result r = load(uri.resolve("/v1/records/batch?ack=" + ack), batch, c, 1000);
                    print("afterme batch", 100, ack, c, r, String.format("%.2f of 1,000,000 records/s",
                            r.recordsPerSecond() / 1e6));
                }
            }
            out.printf("afterme heap: peak %d MiB used of a 256 MiB limit (sampled from /metrics every 100 ms)%n",
                    heap.heapPeak() >> 20);
        } finally {
            if (heap != null) {
                heap.close();
            }
            Servers.stop(Arrays.asList(afterme, hashingServer, bareServer));
            client.stop();
            EngineBench.deleteTree(dataDir.resolve("http"));
            Files.deleteIfExists(hashingFile);
        }
    }

    /**
     * One payload size at one connection count: {@value #ROUNDS} rounds ({@value #ROUNDS_1_MIB} for 1 MiB)
     * of the bare handler, then (1 MiB only) the hashing handler, then afterme memory-acked, then durable,
     * each ratio taken within its round. This machine has slow and fast spells of seconds (other guests,
     * the JIT); alternating puts them on both sides of every ratio, and the median of the rounds is what a
     * spell in fewer than half of them cannot swing. Every round's ratio is printed too.
     */
    private void measureCell(URI bareUri, URI hashingUri, URI uri, int size, int c, double diskMBps)
            throws Exception {
        boolean large = size >= 1 << 20;
        List<String> acks = List.of("memory", "durable");
        List<Wrk.Result> bare = new ArrayList<>();
        List<Wrk.Result> hashing = new ArrayList<>();
        Map<String, List<Wrk.Result>> afterme = new LinkedHashMap<>();
        int rounds = large ? ROUNDS_1_MIB : ROUNDS;
        for (int round = 0; round < rounds; round++) {
            bare.add(load(bareUri.resolve("/"), payload(size), c, 1));
            if (large) {
                hashing.add(load(hashingUri.resolve("/"), payload(size), c, 1));
            }
            for (String ack : acks) {
                afterme.computeIfAbsent(ack, k -> new ArrayList<>())
                        .add(load(uri.resolve("/v1/records?ack=" + ack), payload(size), c, 1));
            }
        }
        print("bare jetty", size, "-", c, median(bare), "1.00");
        if (large) {
            print("hashing jetty", size, "-", c, median(hashing), ratios("bare", hashing, bare) + ", "
                    + ofDisk(hashing, diskMBps));
        }
        for (String ack : acks) {
            List<Wrk.Result> results = afterme.get(ack);
            String ratio = ratios("bare", results, bare);
            if (large) {
                ratio += ", " + ofDisk(results, diskMBps) + ", " + ratios("hashing", results, hashing);
            }
            print("afterme", size, ack, c, median(results), ratio);
        }
    }

    /** "0.52 of NAME (rounds 0.50 0.52 0.61)": each round's requests/s over the other's in the same round. */
    private static String ratios(String name, List<Wrk.Result> results, List<Wrk.Result> of) {
        double[] ratios = new double[results.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = results.get(i).requestsPerSecond() / of.get(i).requestsPerSecond();
        }
        return String.format("%.2f of %s (rounds %s)", median(ratios), name, join(ratios));
    }

    private static String ofDisk(List<Wrk.Result> results, double diskMBps) {
        double[] ofDisk = results.stream().mapToDouble(x -> x.mbps() / diskMBps).toArray();
        return String.format("%.2f of disk (rounds %s)", median(ofDisk), join(ofDisk));
    }

    /** The round with the median requests/s, whole, so that its latencies belong to its throughput. */
    static Wrk.Result median(List<Wrk.Result> rounds) {
        List<Wrk.Result> sorted = new ArrayList<>(rounds);
        sorted.sort(Comparator.comparingDouble(Wrk.Result::requestsPerSecond));
        return sorted.get(sorted.size() / 2);
    }

    /** The middle value, or the mean of the two middle ones when there is an even number. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return (sorted[(sorted.length - 1) / 2] + sorted[sorted.length / 2]) / 2;
    }

    private static String join(double[] values) {
        return Arrays.stream(values).mapToObj(v -> String.format("%.2f", v)).collect(Collectors.joining(" "));
    }

    private void print(String server, int size, String ack, int conns, Wrk.Result r, String ratio) {
        out.printf("%-13s %-8s %-8s %5d %7.0f %10.0f %8.1f %7d %7d  %s%n", server, label(size), ack, conns,
                r.requestsPerSecond(), r.recordsPerSecond(), r.mbps(), r.p50Micros(), r.p99Micros(), ratio);
    }

    /** 1 s of warm-up, then 3 s measured. */
    private Wrk.Result load(URI uri, byte[] body, int connections, int recordsPerRequest) throws Exception {
        return new Wrk(dataDir).load(uri, body, connections, recordsPerRequest, "1s", "3s");
    }

    static byte[] payload(int size) {
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

    static String label(int size) {
        return size >= 1 << 20 ? (size >> 20) + " MiB" : size >= 1024 ? (size >> 10) + " KiB" : size + " B";
    }
}
