package afterme.daemon.forward;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A real single-node Kafka (KRaft, broker and controller in one) in a JVM of its own, started once per test
 * run from the Kafka jars on the test class path, on free ports with its own directory; stopped when the
 * test JVM exits, and stoppable in between to play a broker that dies.
 */
public final class KafkaBroker {
    /** Larger than afterme's default --max-payload with its headers, so that 1 MiB records pass. */
    public static final int MAX_MESSAGE_BYTES = 2 << 20;

    private static KafkaBroker running;

    private final Path dir;
    private final int port;
    private final Path config;
    private Process process;

    private KafkaBroker(Path dir, int port, Path config) {
        this.dir = dir;
        this.port = port;
        this.config = config;
    }

    /** The broker of this test run, started on first use. */
    public static synchronized KafkaBroker get() throws Exception {
        if (running == null) {
            Path dir = Files.createTempDirectory("afterme-kafka");
            int[] ports = Brokers.freePorts(2);
            int port = ports[0];
            int controller = ports[1];
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + controller);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("log.dirs", dir.resolve("logs").toString());
            p.put("num.partitions", "1");
            p.put("auto.create.topics.enable", "true");
            p.put("offsets.topic.replication.factor", "1");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
            Path config = dir.resolve("server.properties");
            try (var w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
                p.store(w, null);
            }
            KafkaBroker b = new KafkaBroker(dir, port, config);
            b.run("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString())
                    .waitFor();
            b.start();
            Runtime.getRuntime().addShutdownHook(new Thread(b::stop));
            running = b;
        }
        return running;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** Every record of the topic's partition 0, in offset order. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        TopicPartition tp = new TopicPartition(topic, 0);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (out.size() < end) {
                c.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    /** Starts the broker (again) on the same port and directory, and waits until it serves. */
    void start() throws Exception {
        process = run("kafka.Kafka", config.toString());
        Brokers.waitFor(process, port, 120);
        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (Admin admin = Admin.create(a)) {
            admin.describeCluster().nodes().get();
        }
    }

    /** Stops the broker as SIGTERM does, and waits for it. */
    void stop() {
        Brokers.stop(process);
    }

    private Process run(String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.log").toFile())).start();
    }
}
