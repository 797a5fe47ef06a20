package afterme.forward.kafka;

import afterme.forward.Message;
import afterme.forward.RejectedException;
import afterme.forward.Sink;
import afterme.forward.SinkTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces to one partition of a Kafka topic with the idempotent producer and {@code acks=all}, so that the
 * partition keeps the log's order and a retry within one connection adds no copy. Across restarts, where the
 * producer's idempotence ends, {@link #lastSeqHeld} reads the partition's last record back, and the forwarder
 * resumes after it.
 */
final class KafkaSink implements Sink {
    private final KafkaProducer<byte[], byte[]> producer;
    private final Properties config;
    private final TopicPartition partition;

    private KafkaSink(KafkaProducer<byte[], byte[]> producer, Properties config, TopicPartition partition) {
        this.producer = producer;
        this.config = config;
        this.partition = partition;
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
        // The broker's message.max.bytes decides what is too large, not a second limit here.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(1 << 30));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        try {
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                    new ByteArraySerializer());
            return new KafkaSink(producer, common, new TopicPartition(target.required("topic"), partition(target)));
        } catch (KafkaException e) {
            throw new IOException("cannot make a Kafka producer for " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<Boolean> publish(Message m) {
        RecordHeaders headers = new RecordHeaders();
        m.headers().forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(partition.topic(), partition.partition(),
                Instant.parse(m.time()).toEpochMilli(), null, m.payload(), headers);
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

    /** Reads the partition's last record: the seq it carries, when it is this log's. */
    @Override
    public long lastSeqHeld(String logId) throws IOException {
        Properties c = new Properties();
        c.putAll(config);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            Map<TopicPartition, Long> ends = consumer.endOffsets(List.of(partition));
            long end = ends.getOrDefault(partition, 0L);
            if (end == 0) {
                return -1;
            }
            consumer.seek(partition, end - 1);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() == end - 1) {
                        return logId.equals(header(r, Message.LOG_ID)) ? Long.parseLong(header(r, Message.SEQ)) : -1;
                    }
                }
            }
            throw new IOException("cannot read the last record of " + partition + " back within 10 s");
        } catch (KafkaException | NumberFormatException e) {
            throw new IOException("cannot read the last record of " + partition + " back: " + e.getMessage(), e);
        }
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
