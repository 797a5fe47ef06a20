package afterme.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Each broker's own client publishing with confirms, as a program without afterme would: the same
 * persistence and broker settings as the forwarder's sink, messages with the same id and headers as the
 * forwarder's (built here from the message's number), and a window of unconfirmed messages the caller
 * keeps. What the forwarder is measured against.
 */
interface BarePublisher extends AutoCloseable {
    String LOG_ID = "00000000-0000-4000-8000-000000000000";
    String SHA256 = "0".repeat(64);

    /** The headers a forwarded record carries, for message {@code n}. */
    static Map<String, String> headers(long n) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("afterme-log-id", LOG_ID);
        h.put("afterme-seq", Long.toString(n));
        h.put("afterme-time", java.time.Instant.now().toString());
        h.put("afterme-sha256", SHA256);
        return h;
    }

    /** Publishes message {@code n}; {@code confirmed} is told {@code n} when the broker confirmed it. */
    void publish(long n, byte[] body, LongConsumer confirmed) throws Exception;

    static BarePublisher rabbitMq(String host, int port, String routingKey) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(host);
        f.setPort(port);
        Connection c = f.newConnection("afterme-bench-bare");
        Channel ch = c.createChannel();
        ch.confirmSelect();
        ConcurrentNavigableMap<Long, Object[]> outstanding = new ConcurrentSkipListMap<>();
        ch.addConfirmListener((tag, multiple) -> {
            Map<Long, Object[]> done = multiple ? outstanding.headMap(tag, true) : outstanding.subMap(tag, true, tag, true);
            done.values().forEach(o -> ((LongConsumer) o[1]).accept((long) o[0]));
            done.clear();
        }, (tag, multiple) -> {
            throw new IllegalStateException("nack");
        });
        return new BarePublisher() {
            @Override
            public void publish(long n, byte[] body, LongConsumer confirmed) throws Exception {
                outstanding.put(ch.getNextPublishSeqNo(), new Object[] {n, confirmed});
                ch.basicPublish("amq.direct", routingKey, true, new AMQP.BasicProperties.Builder().deliveryMode(2)
                        .messageId(LOG_ID + ":" + n).contentType("application/octet-stream")
                        .headers(new HashMap<>(headers(n))).build(), body);
            }

            @Override
            public void close() throws Exception {
                c.close();
            }
        };
    }

    static BarePublisher nats(String url, String subject) throws Exception {
        io.nats.client.Connection c = Nats.connect(url);
        JetStream js = c.jetStream();
        return new BarePublisher() {
            @Override
            public void publish(long n, byte[] body, LongConsumer confirmed) {
                Headers h = new Headers();
                h.put("Nats-Msg-Id", LOG_ID + ":" + n);
                headers(n).forEach(h::put);
                h.put("Content-Type", "application/octet-stream");
                js.publishAsync(NatsMessage.builder().subject(subject).headers(h).data(body).build())
                        .thenAccept(ack -> confirmed.accept(n));
            }

            @Override
            public void close() throws Exception {
                c.close();
            }
        };
    }

    static BarePublisher kafka(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("enable.idempotence", "true");
        p.put("acks", "all");
        p.put("linger.ms", "0");
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        return new BarePublisher() {
            @Override
            public void publish(long n, byte[] body, LongConsumer confirmed) {
                RecordHeaders h = new RecordHeaders();
                headers(n).forEach((k, v) -> h.add(k, v.getBytes(StandardCharsets.UTF_8)));
                h.add("content-type", "application/octet-stream".getBytes(StandardCharsets.UTF_8));
                producer.send(new ProducerRecord<>(topic, 0, System.currentTimeMillis(), null, body, h), (md, e) -> {
                    if (e == null) {
                        confirmed.accept(n);
                    }
                });
            }

            @Override
            public void close() {
                producer.close();
            }
        };
    }
}
