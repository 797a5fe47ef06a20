package afterme.forward.kafka;

import afterme.forward.Message;
import afterme.forward.RejectedException;
import afterme.forward.Sink;
import afterme.forward.SinkTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces to one partition of a Kafka topic with the idempotent producer and {@code acks=all}, so that the
 * partition keeps the log's order and a retry within one connection adds no copy. Across restarts, where the
 * producer's idempotence ends, {@link #heldThrough} reads the partition back from its end, and the forwarder
 * resumes after the records it finds there.
 */
final class KafkaSink implements Sink {
    /** How long each question to the broker's admin API may take before the broker counts as not there. */
    private static final long ASK_SECONDS = 10;
    /** Records read back from the end at first: more than a window, so that one read usually reaches the checkpoint. */
    private static final long READ_BACK_FIRST = 4096;
    private static final long READ_BACK_MAX = 1 << 20;

    private final KafkaProducer<byte[], byte[]> producer;
    private final Properties config;
    private final TopicPartition partition;
    /** False for a topic the broker creates on first use: it holds nothing to read back. */
    private final boolean topicExisted;

    private KafkaSink(KafkaProducer<byte[], byte[]> producer, Properties config, TopicPartition partition,
                      boolean topicExisted) {
        this.producer = producer;
        this.config = config;
        this.partition = partition;
        this.topicExisted = topicExisted;
    }

    /** The largest record batch a topic takes, and whether the topic exists yet. */
    private record TopicLimit(long maxMessageBytes, boolean exists) {
    }

    static int partition(SinkTarget target) {
        String p = target.param("partition");
        try {
            int n = p == null ? 0 : Integer.parseInt(p);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("partition must be a number of 0 or more, not '" + p + "'");
        }
    }

    static KafkaSink connect(SinkTarget target) throws IOException {
        Properties common = new Properties();
        common.put("bootstrap.servers", target.host() + ":" + target.port(9092));
        common.put("client.id", "afterme-forward");
        // Credentials and security settings (SASL, TLS) come from the credentials file as kafka.* keys.
        common.putAll(target.credentialsWithPrefix("kafka."));
        Properties p = new Properties();
        p.putAll(common);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        TopicPartition partition = new TopicPartition(target.required("topic"), partition(target));
        // The topic's own limit, checked here before a record is sent: a record the broker refused only after
        // later ones were sent would leave them in the partition before it.
        TopicLimit limit = topicLimit(common, partition.topic());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Long.toString(limit.maxMessageBytes()));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        try {
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                    new ByteArraySerializer());
            return new KafkaSink(producer, common, partition, limit.exists());
        } catch (KafkaException e) {
            throw new IOException("cannot make a Kafka producer for " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * The largest record batch the topic takes: its {@code max.message.bytes}, or, for a topic the broker will
     * create on first use, the broker's {@code message.max.bytes}.
     */
    private static TopicLimit topicLimit(Properties common, String topic) throws IOException {
        Admin admin = null;
        try {
            admin = Admin.create(common);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            String key = "max.message.bytes";
            try {
                return new TopicLimit(Long.parseLong(admin.describeConfigs(List.of(resource)).all()
                        .get(ASK_SECONDS, TimeUnit.SECONDS).get(resource).get(key).value()), true);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                String node = admin.describeCluster().controller().get(ASK_SECONDS, TimeUnit.SECONDS).idString();
                resource = new ConfigResource(ConfigResource.Type.BROKER, node);
                key = "message.max.bytes";
                return new TopicLimit(Long.parseLong(admin.describeConfigs(List.of(resource)).all()
                        .get(ASK_SECONDS, TimeUnit.SECONDS).get(resource).get(key).value()), false);
            }
        } catch (TimeoutException e) {
            throw new IOException("no Kafka broker at " + common.getProperty("bootstrap.servers") + " answered within "
                    + ASK_SECONDS + " s (asked for the size limit of topic " + topic + "); check that one runs there and"
                    + " advertises a listener this host can reach", e);
        } catch (ExecutionException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IOException("cannot ask Kafka for the size limit of topic " + topic + ": " + cause, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking Kafka for the size limit of topic " + topic, e);
        } finally {
            // Not close(), which waits for the calls still pending: where no broker answers, each until Kafka's
            // own API timeout, 60 s, which every attempt to connect then took.
            if (admin != null) {
                admin.close(Duration.ZERO);
            }
        }
    }

    @Override
    public CompletableFuture<Boolean> publish(Message m) {
        RecordHeaders headers = new RecordHeaders();
        m.headers().forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(partition.topic(), partition.partition(),
                m.epochMillis(), null, m.payload(), headers);
        CompletableFuture<Boolean> future = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, e) -> {
                if (e == null) {
                    future.complete(false);
                } else if (e instanceof RecordTooLargeException) {
                    future.completeExceptionally(new RejectedException("Kafka: " + e.getMessage(), e));
                } else {
                    future.completeExceptionally(e);
                }
            });
        } catch (KafkaException e) {
            future.completeExceptionally(e);
        }
        return future;
    }

    /**
     * Reads the partition back from its end until it finds a record at or before {@code confirmedSeq}, and
     * returns the end of the unbroken run of this log's seqs after it. A record refused by the broker can be
     * followed in the partition by records sent in the same window; the run stops before the hole.
     */
    @Override
    public long heldThrough(String logId, long confirmedSeq) throws IOException {
        if (!topicExisted) {
            return confirmedSeq;
        }
        Properties c = new Properties();
        c.putAll(config);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).getOrDefault(partition, 0L);
            long begin = consumer.beginningOffsets(List.of(partition)).getOrDefault(partition, 0L);
            for (long back = READ_BACK_FIRST; ; back *= 4) {
                long from = Math.max(begin, end - back);
                Set<Long> seqs = new HashSet<>();
                boolean reachedCheckpoint = from == begin;
                for (ConsumerRecord<byte[], byte[]> r : read(consumer, partition, from, end)) {
                    if (!logId.equals(header(r, Message.LOG_ID))) {
                        continue;
                    }
                    long seq = Long.parseLong(header(r, Message.SEQ));
                    reachedCheckpoint |= seq <= confirmedSeq;
                    seqs.add(seq);
                }
                if (reachedCheckpoint) {
                    long held = confirmedSeq;
                    while (seqs.contains(held + 1)) {
                        held++;
                    }
                    return held;
                }
                if (back >= READ_BACK_MAX) {
                    // Too far to read back: send again from the checkpoint; copies, but nothing skipped.
                    return confirmedSeq;
                }
            }
        } catch (KafkaException | NumberFormatException e) {
            throw new IOException("cannot read " + partition + " back: " + e.getMessage(), e);
        }
    }

    /** The partition's records from offset {@code from} up to {@code end}. */
    private static List<ConsumerRecord<byte[], byte[]>> read(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp,
                                                             long from, long end) throws IOException {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        consumer.seek(tp, from);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (consumer.position(tp) < end) {
            if (System.nanoTime() > deadline) {
                throw new IOException("cannot read " + tp + " from offset " + from + " to " + end + " within 30 s");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                if (r.offset() < end) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(1));
        } catch (KafkaException e) {
            // Closing a producer that lost its broker: nothing more to do.
        }
    }
}
