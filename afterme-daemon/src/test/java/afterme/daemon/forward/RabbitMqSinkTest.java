package afterme.daemon.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.format.Hashes;
import afterme.format.LogRecord;
import afterme.format.RecordJson;
import afterme.forward.ForwarderConfig;
import afterme.forward.ForwarderStatus.State;
import afterme.forward.OnReject;
import afterme.forward.SinkTarget;
import afterme.forward.StartAt;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The RabbitMQ sink against the real broker: what arrives, read back with RabbitMQ's own client. */
@Timeout(120)
class RabbitMqSinkTest {
    @TempDir
    Path dir;

    private Connection connection;
    private Channel channel;
    private String queue;

    @BeforeEach
    void declareQueue() throws Exception {
        Brokers.rabbitMq();
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(Brokers.RABBITMQ_HOST);
        f.setPort(Brokers.RABBITMQ_PORT);
        connection = f.newConnection("afterme-test");
        channel = connection.createChannel();
        queue = "afterme-test-" + UUID.randomUUID();
        channel.queueDeclare(queue, true, false, false, null);
        channel.queueBind(queue, "amq.direct", queue);
    }

    @AfterEach
    void deleteQueue() throws Exception {
        if (channel != null) {
            channel.queueDelete(queue);
            connection.close();
        }
    }

    private ForwarderConfig config(String routingKey, OnReject onReject) throws Exception {
        return ForwarderConfig.of("rabbit", SinkTarget.parse("amqp://127.0.0.1:5672/%2F?exchange=amq.direct&routing_key="
                + routingKey, null), StartAt.START, onReject, Duration.ofSeconds(1));
    }

    @Test
    void recordsOfEveryKindArriveUnchangedInOrderWithTheirHeaders() throws Exception {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            List<Logs.Sample> samples = Logs.append(log, Logs.everyKind(1 << 20));
            try (Forwarders f = new Forwarders(log, List.of(config(queue, OnReject.STOP)), Clock.systemUTC())) {
                for (int i = 0; i < samples.size(); i++) {
                    GetResponse got = next();
                    LogRecord r = log.read(i + 1);
                    assertArrayEquals(samples.get(i).payload(), got.getBody(), "seq " + (i + 1));
                    assertEquals(log.logId() + ":" + (i + 1), got.getProps().getMessageId());
                    assertEquals(samples.get(i).contentType(), got.getProps().getContentType());
                    assertEquals(2, got.getProps().getDeliveryMode(), "persistent");
                    Map<String, Object> h = got.getProps().getHeaders();
                    assertEquals(log.logId().toString(), h.get("afterme-log-id").toString());
                    assertEquals(Long.toString(i + 1), h.get("afterme-seq").toString());
                    assertEquals(RecordJson.formatTime(r.epochSecond(), r.nanos()), h.get("afterme-time").toString());
                    assertEquals(Hashes.hex(r.sha256()), h.get("afterme-sha256").toString());
                }
                ForwarderTest.await(() -> f.views().get(0).status().forwardedSeq() == samples.size(), "confirmed");
            }
        }
    }

    private GetResponse next() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            GetResponse r = channel.basicGet(queue, true);
            if (r != null) {
                return r;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no message in " + queue + " within 30 s");
    }

    @Test
    void anUnroutableRecordIsAnErrorNeverASilentLoss() throws Exception {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 3);
            try (Forwarders f = new Forwarders(log, List.of(config("no-such-queue-" + UUID.randomUUID(), OnReject.STOP)),
                    Clock.systemUTC())) {
                ForwarderTest.await(() -> f.views().get(0).status().state() == State.STOPPED, "stopped");
                var s = f.views().get(0).status();
                assertEquals(0, s.forwardedSeq());
                assertNotNull(s.lastError());
                assertTrue(s.lastError().contains("no queue took it") && s.lastError().contains("bind a queue to exchange '"),
                        s.lastError());
                assertTrue(s.lastError().contains("seq 1"), s.lastError());
            }
        }
    }

    /** The default exchange takes no bindings: its remedy is a queue with the routing key's name. */
    @Test
    void anUnroutableRecordOnTheDefaultExchangeNamesTheQueueToDeclare() throws Exception {
        String queue = "no-such-queue-" + UUID.randomUUID();
        ForwarderConfig defaultExchange = ForwarderConfig.of("rabbit", SinkTarget.parse(
                "amqp://127.0.0.1:5672/%2F?routing_key=" + queue, null), StartAt.START, OnReject.STOP,
                Duration.ofSeconds(1));
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 1);
            try (Forwarders f = new Forwarders(log, List.of(defaultExchange), Clock.systemUTC())) {
                ForwarderTest.await(() -> f.views().get(0).status().state() == State.STOPPED, "stopped");
                String error = f.views().get(0).status().lastError();
                assertTrue(error.contains("declare a queue named '" + queue + "'") && !error.contains("bind a queue"),
                        error);
            }
        }
    }

    /** The client's text, "#method<channel.close>(reply-code=404, …, class-id=60, method-id=40)", named no remedy. */
    @Test
    void aMissingExchangeIsNamedWithWhatToDo() throws Exception {
        String exchange = "afterme-test-none-" + UUID.randomUUID();
        ForwarderConfig missing = ForwarderConfig.of("rabbit", SinkTarget.parse("amqp://127.0.0.1:5672/%2F?exchange="
                + exchange + "&routing_key=" + queue, null), StartAt.START, OnReject.STOP, Duration.ofSeconds(1));
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 1);
            try (Forwarders f = new Forwarders(log, List.of(missing), Clock.systemUTC())) {
                ForwarderTest.await(() -> f.views().get(0).status().lastError() != null, "a failed attempt");
                var s = f.views().get(0).status();
                assertEquals(State.RETRYING, s.state(), "the exchange may be declared yet: the forwarder retries");
                assertTrue(s.lastError().contains("RabbitMQ closed the channel: 404 NOT_FOUND - no exchange '"
                        + exchange + "' in vhost '/': declare exchange '" + exchange + "' in RabbitMQ, or name one that"
                        + " exists with exchange= in the URI"), s.lastError());
                assertFalse(s.lastError().contains("#method"), s.lastError());
            }
        }
    }
}
