package afterme.bench;

import afterme.daemon.forward.Forwarders;
import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.forward.ForwarderConfig;
import afterme.forward.OnReject;
import afterme.forward.SinkTarget;
import afterme.forward.StartAt;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;

/**
 * Forwarding against each broker's own client publishing bare, on the same broker in the same run:
 * the rate of 1 KiB records with the same window of unconfirmed messages and the same persistence, and the
 * latency at 1,000 records/s, for the forwarder from a record's durable ack to the broker's confirm, for the
 * bare publisher from its send to the confirm.
 */
final class ForwardBench {
    private static final int RECORDS = 50_000;
    private static final int ROUNDS = 5;
    private static final int PACED_PER_SECOND = 1000;
    private static final int PACED_SECONDS = 10;

    private final Path dir;
    private final int window;
    private final PrintStream out;
    private final byte[] body = HttpBench.payload(1024);

    /** @param window unconfirmed messages, for the bare publisher and the forwarder alike */
    ForwardBench(Path dir, int window, PrintStream out) {
        this.dir = dir;
        this.window = window;
        this.out = out;
    }

    /** A fresh destination on one broker: the forwarder's URI, a bare publisher to it, and its removal. */
    private interface Destination extends AutoCloseable {
        String uri();

        BarePublisher bare() throws Exception;
    }

    /** @param brokers amqp://HOST:PORT, nats://HOST:PORT or kafka://HOST:PORT */
    void run(List<String> brokers) throws Exception {
        EngineBench.deleteTree(dir);
        Files.createDirectories(dir);
        Path logDir = dir.resolve("log");
        try (Log log = Log.open(LogConfig.defaults(logDir))) {
            List<Append> appends = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                appends.add(log.submit(Append.of(body, Ack.MEMORY)));
            }
            log.submit(Append.of(body, Ack.DURABLE)).durable.get();
            out.printf("%d records of 1 KiB; window %d records, %d MiB; %d rounds, bare and forwarder in turn;"
                    + " medians; the ratio is the median of each round's pair%n", RECORDS + 1, window,
                    ForwarderConfig.DEFAULT_WINDOW_BYTES >> 20, ROUNDS);
            out.println("broker     bare/s  forwarder/s  ratio | at 1000/s: bare p50/p99 ms  forwarder p50/p99 ms  p50 diff");
            for (String broker : brokers) {
                double[] bare = new double[ROUNDS];
                double[] fwd = new double[ROUNDS];
                for (int round = 0; round < ROUNDS; round++) {
                    try (Destination d = destination(broker)) {
                        bare[round] = bareRate(d);
                    }
                    try (Destination d = destination(broker)) {
                        fwd[round] = forwarderRate(log, d.uri(), round);
                    }
                }
                double[] bareLatency;
                double[] fwdLatency;
                try (Destination d = destination(broker)) {
                    bareLatency = bareLatency(d);
                }
                try (Destination d = destination(broker)) {
                    fwdLatency = forwarderLatency(d.uri());
                }
                double[] ratios = new double[ROUNDS];
                for (int round = 0; round < ROUNDS; round++) {
                    ratios[round] = fwd[round] / bare[round];
                }
                out.printf("%-8s %8.0f %12.0f %6.2f | %10.2f / %6.2f %12.2f / %6.2f %+10.2f%n", broker.split(":")[0],
                        HttpBench.median(bare), HttpBench.median(fwd), HttpBench.median(ratios), bareLatency[0], bareLatency[1], fwdLatency[0], fwdLatency[1],
                        fwdLatency[0] - bareLatency[0]);
            }
        } finally {
            EngineBench.deleteTree(dir);
        }
    }

    private double bareRate(Destination d) throws Exception {
        try (BarePublisher p = d.bare()) {
            Semaphore room = new Semaphore(window);
            CountDownLatch all = new CountDownLatch(RECORDS);
            long start = System.nanoTime();
            for (long n = 1; n <= RECORDS; n++) {
                room.acquire();
                p.publish(n, body, k -> {
                    room.release();
                    all.countDown();
                });
            }
            all.await();
            return RECORDS / ((System.nanoTime() - start) / 1e9);
        }
    }

    private double forwarderRate(Log log, String uri, int round) throws Exception {
        long last = log.durableSeq();
        long start = System.nanoTime();
        try (Forwarders f = new Forwarders(log, List.of(config("rate" + round + "-" + UUID.randomUUID(), uri,
                StartAt.START)), Clock.systemUTC())) {
            // Not too often: each look at the lag reads a record from the log.
            while (f.views().get(0).status().forwardedSeq() < last) {
                Thread.sleep(20);
            }
        }
        return last / ((System.nanoTime() - start) / 1e9);
    }

    private ForwarderConfig config(String name, String uri, StartAt startAt) throws Exception {
        return ForwarderConfig.of(name, SinkTarget.parse(uri, null), startAt, OnReject.STOP, Duration.ofSeconds(1))
                .withWindow(window, ForwarderConfig.DEFAULT_WINDOW_BYTES);
    }

    /** Publishes at 1,000/s for 10 s; p50 and p99 of send to confirm, in ms. */
    private double[] bareLatency(Destination d) throws Exception {
        int n = PACED_PER_SECOND * PACED_SECONDS;
        long[] sent = new long[n + 1];
        AtomicLongArray confirmed = new AtomicLongArray(n + 1);
        try (BarePublisher p = d.bare()) {
            long start = System.nanoTime();
            for (int i = 1; i <= n; i++) {
                pace(start, i);
                sent[i] = System.nanoTime();
                p.publish(i, body, k -> confirmed.set((int) k, System.nanoTime()));
            }
            awaitAll(confirmed);
        }
        double[] ms = new double[n];
        for (int i = 1; i <= n; i++) {
            ms[i - 1] = (confirmed.get(i) - sent[i]) / 1e6;
        }
        return percentiles(ms);
    }

    /** Appends durable at 1,000/s for 10 s with a forwarder running; p50 and p99 of durable ack to confirm, in ms. */
    private double[] forwarderLatency(String uri) throws Exception {
        int n = PACED_PER_SECOND * PACED_SECONDS;
        AtomicLongArray acked = new AtomicLongArray(n + 1);
        AtomicLongArray confirmed = new AtomicLongArray(n + 1);
        TimedSinkProvider.confirmedNanos = confirmed;
        String timed = "timed://x?uri=" + URLEncoder.encode(uri, StandardCharsets.UTF_8);
        Path logDir = dir.resolve("paced");
        EngineBench.deleteTree(logDir);
        try (Log log = Log.open(LogConfig.defaults(logDir));
             Forwarders f = new Forwarders(log, List.of(config("paced", timed, StartAt.START)), Clock.systemUTC())) {
            long start = System.nanoTime();
            for (int i = 1; i <= n; i++) {
                pace(start, i);
                Append a = log.submit(Append.of(body, Ack.DURABLE));
                a.durable.thenAccept(r -> acked.set((int) r.firstSeq(), System.nanoTime()));
            }
            awaitAll(confirmed);
        } finally {
            EngineBench.deleteTree(logDir);
        }
        double[] ms = new double[n];
        for (int i = 1; i <= n; i++) {
            ms[i - 1] = (confirmed.get(i) - acked.get(i)) / 1e6;
        }
        return percentiles(ms);
    }

    private static void pace(long start, int i) {
        long due = start + i * (1_000_000_000L / PACED_PER_SECOND);
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
    }

    private static void awaitAll(AtomicLongArray confirmed) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 1; i < confirmed.length(); i++) {
            while (confirmed.get(i) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("message " + i + " was not confirmed within 60 s");
                }
                Thread.sleep(1);
            }
        }
    }

    private static double[] percentiles(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return new double[] {sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.99)]};
    }

    private static Destination destination(String broker) throws Exception {
        String scheme = broker.substring(0, broker.indexOf(':'));
        String hostPort = broker.substring(broker.indexOf("//") + 2);
        String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        String id = UUID.randomUUID().toString().replace("-", "");
        return switch (scheme) {
            case "amqp" -> {
                ConnectionFactory cf = new ConnectionFactory();
                cf.setHost(host);
                cf.setPort(port);
                com.rabbitmq.client.Connection c = cf.newConnection("afterme-bench");
                Channel ch = c.createChannel();
                String queue = "afterme-bench-" + id;
                ch.queueDeclare(queue, true, false, false, null);
                ch.queueBind(queue, "amq.direct", queue);
                yield new Destination() {
                    public String uri() {
                        return "amqp://" + hostPort + "/%2F?exchange=amq.direct&routing_key=" + queue;
                    }

                    public BarePublisher bare() throws Exception {
                        return BarePublisher.rabbitMq(host, port, queue);
                    }

                    public void close() throws Exception {
                        ch.queueDelete(queue);
                        c.close();
                    }
                };
            }
            case "nats" -> {
                io.nats.client.Connection c = Nats.connect(broker);
                String subject = "afterme.bench." + id;
                String stream = "AFTERME_BENCH_" + id;
                c.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(subject)
                        .storageType(StorageType.File).build());
                yield new Destination() {
                    public String uri() {
                        return broker + "?subject=" + subject + "&stream=" + stream;
                    }

                    public BarePublisher bare() throws Exception {
                        return BarePublisher.nats(broker, subject);
                    }

                    public void close() throws Exception {
                        c.jetStreamManagement().deleteStream(stream);
                        c.close();
                    }
                };
            }
            case "kafka" -> {
                String topic = "afterme-bench-" + id;
                yield new Destination() {
                    public String uri() {
                        return "kafka://" + hostPort + "?topic=" + topic;
                    }

                    public BarePublisher bare() {
                        return BarePublisher.kafka(hostPort, topic);
                    }

                    public void close() throws Exception {
                        Properties p = new Properties();
                        p.put("bootstrap.servers", hostPort);
                        try (Admin admin = Admin.create(p)) {
                            admin.deleteTopics(List.of(topic)).all().get();
                        }
                    }
                };
            }
            default -> throw new IllegalArgumentException("forward takes amqp://, nats:// or kafka:// brokers: " + broker);
        };
    }
}
