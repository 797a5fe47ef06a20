package afterme.daemon.subscribe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.Damage;
import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.format.SegmentNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The subscription machinery behind both transports, through a sink that records what it is given. */
class SubscriptionsTest {
    @TempDir
    Path dir;

    /** What a transport was asked to send, in order. */
    private static final class RecordingSink implements EventSink {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final CountDownLatch keepAlives = new CountDownLatch(2);
        final CountDownLatch ended = new CountDownLatch(1);

        @Override
        public void record(long seq, String json) {
            sent.add("record " + seq);
        }

        @Override
        public void durable(String json) {
            sent.add(json);
        }

        @Override
        public void flush() {
        }

        @Override
        public void error(String json) {
            sent.add("error " + json);
            ended.countDown();
        }

        @Override
        public void keepAlive() {
            sent.add("keep-alive");
            keepAlives.countDown();
        }

        @Override
        public void close() {
        }
    }

    /** An idle subscription gets keep-alives at the interval, after what there was to catch up on. */
    @Test
    void anIdleSubscriptionIsKeptAlive() throws Exception {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            log.submit(Append.of("{}".getBytes(StandardCharsets.UTF_8), Ack.DURABLE)).durable.get();
            Subscriptions subscriptions = new Subscriptions(log, 4, Duration.ofMillis(50));
            RecordingSink sink = new RecordingSink();
            try {
                assertTrue(subscriptions.start(1, RecordsMode.DURABLE, sink));
                assertTrue(sink.keepAlives.await(10, TimeUnit.SECONDS), "sent: " + sink.sent);
                List<String> sent = List.copyOf(sink.sent);
                assertTrue(sent.subList(0, sent.indexOf("keep-alive")).contains("record 1"), "sent: " + sent);
                assertEquals(1, subscriptions.count());
                assertEquals(1, log.followers(), "a subscriber that reads records follows the head");
            } finally {
                subscriptions.close();
            }
            assertEquals(0, log.followers(), "a subscriber that ended follows no more");
        }
    }

    /** A record that fails its checks is never sent: the subscriber is told why its stream ends, and where. */
    @Test
    void aDamagedRecordEndsTheSubscriptionWithAnErrorNamingIt() throws Exception {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            for (int i = 0; i < 3; i++) {
                log.submit(Append.of("a".repeat(100).getBytes(StandardCharsets.UTF_8), Ack.DURABLE)).durable.get();
            }
            long second = Damage.flipInRecord(dir.resolve(SegmentNames.name(1)), 1);
            Subscriptions subscriptions = new Subscriptions(log, 4, Duration.ofMillis(50));
            RecordingSink sink = new RecordingSink();
            try {
                assertTrue(subscriptions.start(1, RecordsMode.DURABLE, sink));
                assertTrue(sink.ended.await(10, TimeUnit.SECONDS), "sent: " + sink.sent);
                List<String> sent = List.copyOf(sink.sent);
                assertEquals("record 1", sent.get(sent.size() - 2), "sent: " + sent);
                String error = sent.get(sent.size() - 1);
                assertTrue(error.startsWith("error {\"type\":\"error\",\"error\":\"corrupt_log\",\"message\":\"segment "
                        + SegmentNames.name(1) + " offset " + second + " seq 2: bad_checksum"), error);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (subscriptions.count() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(0, subscriptions.count(), "the subscription ended");
            } finally {
                subscriptions.close();
            }
        }
    }

    /** A subscription to durable_seq alone reads no records, and leaves large payloads past the cache. */
    @Test
    void aSubscriptionWithoutRecordsDoesNotFollowTheHead() throws Exception {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Subscriptions subscriptions = new Subscriptions(log, 4, Duration.ofMillis(50));
            RecordingSink sink = new RecordingSink();
            try {
                assertTrue(subscriptions.start(1, RecordsMode.NONE, sink));
                assertTrue(sink.keepAlives.await(10, TimeUnit.SECONDS), "sent: " + sink.sent);
                assertEquals(0, log.followers());
            } finally {
                subscriptions.close();
            }
        }
    }
}
