package afterme.daemon.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.format.Hashes;
import afterme.format.LogRecord;
import afterme.format.RecordJson;
import afterme.forward.Checkpoint;
import afterme.forward.FileLogSource;
import afterme.forward.Forwarder;
import afterme.forward.ForwarderConfig;
import afterme.forward.ForwarderStatus.State;
import afterme.forward.Message;
import afterme.forward.OnReject;
import afterme.forward.Sink;
import afterme.forward.SinkTarget;
import afterme.forward.Sinks;
import afterme.forward.StartAt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka sink against a real single-node broker: what the partition holds, read back with Kafka's own client. */
@Timeout(300)
class KafkaSinkTest {
    @TempDir
    Path dir;

    private static ForwarderConfig config(String topic, OnReject onReject) throws Exception {
        return ForwarderConfig.of("kafka", SinkTarget.parse("kafka://" + KafkaBroker.get().bootstrap() + "?topic=" + topic,
                null), StartAt.START, onReject, Duration.ofSeconds(1));
    }

    private static String topic() {
        return "afterme-test-" + UUID.randomUUID();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /**
     * No broker at the address: said in those words, with the address, where Kafka's timeout had no message, after
     * the 10 s the sink waits.
     */
    @Test
    void noBrokerAtTheAddressIsSaidSo() throws Exception {
        SinkTarget target = SinkTarget.parse("kafka://127.0.0.1:" + Brokers.freePort() + "?topic=t", null);
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> Sinks.forTarget(target).connect(target));
        assertTrue(e.getMessage().startsWith("no Kafka broker at " + target.host() + ":" + target.port(0)
                + " answered within 10 s"), e.getMessage());
        // Not Kafka's own API timeout of 60 s, which closing its admin client waited for.
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(45).toNanos(), "the attempt waited for Kafka's timeout");
    }

    @Test
    void recordsOfEveryKindArriveUnchangedInOrderAndARestartWithoutCheckpointSendsNothingTwice() throws Exception {
        String topic = topic();
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            List<Logs.Sample> samples = Logs.append(log, Logs.everyKind(1 << 20));
            try (Forwarders f = new Forwarders(log, List.of(config(topic, OnReject.STOP)), Clock.systemUTC())) {
                ForwarderTest.await(() -> f.views().get(0).status().forwardedSeq() == samples.size(), "confirmed");
            }
            List<ConsumerRecord<byte[], byte[]>> got = KafkaBroker.get().readAll(topic);
            assertEquals(samples.size(), got.size());
            for (int i = 0; i < samples.size(); i++) {
                ConsumerRecord<byte[], byte[]> m = got.get(i);
                LogRecord r = log.read(i + 1);
                assertArrayEquals(samples.get(i).payload(), m.value() == null ? new byte[0] : m.value());
                assertEquals(log.logId().toString(), header(m, "afterme-log-id"));
                assertEquals(Long.toString(i + 1), header(m, "afterme-seq"));
                assertEquals(RecordJson.formatTime(r.epochSecond(), r.nanos()), header(m, "afterme-time"));
                assertEquals(Hashes.hex(r.sha256()), header(m, "afterme-sha256"));
                assertEquals(samples.get(i).contentType(), header(m, "content-type"));
                assertEquals(r.time().toEpochMilli(), m.timestamp());
            }
            // Confirmed, but the checkpoint lost (as when a crash comes between the two): the forwarder reads
            // the partition's last record back and resumes after it.
            Files.delete(Checkpoint.file(dir, "kafka"));
            Logs.appendSmall(log, 3);
            try (Forwarders f = new Forwarders(log, List.of(config(topic, OnReject.STOP)), Clock.systemUTC())) {
                ForwarderTest.await(() -> f.views().get(0).status().forwardedSeq() == samples.size() + 3, "resumed");
            }
            List<ConsumerRecord<byte[], byte[]>> after = KafkaBroker.get().readAll(topic);
            assertEquals(samples.size() + 3, after.size(), "nothing twice");
            for (int i = 0; i < after.size(); i++) {
                assertEquals(Long.toString(i + 1), header(after.get(i), "afterme-seq"));
            }
        }
    }

    @Test
    void aRecordOverTheBrokersLimitStopsTheForwarderOrIsDeadLettered() throws Exception {
        String topic = topic();
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 2);
            Logs.append(log, List.of(new Logs.Sample(new byte[KafkaBroker.MAX_MESSAGE_BYTES + 1], null)));
            Logs.appendSmall(log, 1);
        }
        Forwarder stop = new Forwarder(config(topic, OnReject.STOP), new FileLogSource(dir), n -> { }).start();
        stop.await();
        assertEquals(State.STOPPED, stop.status().state());
        assertEquals(2, stop.status().forwardedSeq());
        assertTrue(stop.status().lastError().contains("refused seq 3"), stop.status().lastError());
        Forwarder dead = new Forwarder(config(topic, OnReject.DEAD_LETTER), new FileLogSource(dir), n -> { }).start();
        ForwarderTest.await(() -> dead.status().forwardedSeq() == 4, "past the refused record");
        dead.close();
        List<ConsumerRecord<byte[], byte[]>> got = KafkaBroker.get().readAll(topic);
        List<String> seqs = got.stream().map(r -> header(r, "afterme-seq")).toList();
        assertEquals(List.of("1", "2", "4"), seqs);
        assertTrue(Files.readAllLines(Forwarder.deadLetterFile(dir, "kafka")).get(0).startsWith("{\"seq\":3,"));
    }

    @Test
    void readingBackStopsAtTheFirstRecordThePartitionLacks() throws Exception {
        String topic = topic();
        String logId = UUID.randomUUID().toString();
        SinkTarget target = SinkTarget.parse("kafka://" + KafkaBroker.get().bootstrap() + "?topic=" + topic, null);
        try (Sink sink = Sinks.forTarget(target).connect(target)) {
            for (long seq : new long[] {1, 2, 3, 5, 6, 3, 4, 7}) {
                sink.publish(new Message(logId, seq, 0, "00", null, new byte[0])).get();
            }
            sink.publish(new Message(UUID.randomUUID().toString(), 9, 0, "00", null, new byte[0]))
                    .get();
            assertEquals(2, sink.heldThrough(logId, 2), "a topic new at connect holds nothing to read back");
        }
        // A restart: a new connection to the topic that now exists.
        try (Sink sink = Sinks.forTarget(target).connect(target)) {
            assertEquals(7, sink.heldThrough(logId, 2), "3 and 4 came again after 5 and 6");
            assertEquals(7, sink.heldThrough(logId, 0));
            assertEquals(7, sink.heldThrough(logId, 7));
            assertEquals(9, sink.heldThrough(logId, 9), "nothing of this log after 9: the checkpoint decides");
        }
        try (Sink sink = Sinks.forTarget(target).connect(target)) {
            String other = UUID.randomUUID().toString();
            for (long seq : new long[] {1, 2, 4}) {
                sink.publish(new Message(other, seq, 0, "00", null, new byte[0])).get();
            }
            assertEquals(2, sink.heldThrough(other, 0), "never past the hole at 3");
            assertEquals(2, sink.heldThrough(other, 2));
        }
    }
}
