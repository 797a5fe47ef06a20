package afterme.daemon.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
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
import afterme.forward.OnReject;
import afterme.forward.SinkTarget;
import afterme.forward.StartAt;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Nats;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The NATS JetStream sink against a real server: what the stream holds, read back with NATS's own client. */
@Timeout(180)
class NatsSinkTest {
    @TempDir
    Path dir;

    /** A stream of its own on a subject of its own, deleted afterwards. */
    private record Stream(Connection connection, JetStreamManagement jsm, String name, String subject)
            implements AutoCloseable {
        static Stream create(String url) throws Exception {
            Connection c = Nats.connect(url);
            String id = UUID.randomUUID().toString().replace("-", "");
            Stream s = new Stream(c, c.jetStreamManagement(), "AFTERME_" + id, "afterme.test." + id);
            s.jsm.addStream(StreamConfiguration.builder().name(s.name).subjects(s.subject).storageType(StorageType.File)
                    .duplicateWindow(Duration.ofMinutes(2)).build());
            return s;
        }

        /** The same stream on a new connection: after its server was restarted. */
        static Stream reopen(String url, String name, String subject) throws Exception {
            Connection c = Nats.connect(url);
            return new Stream(c, c.jetStreamManagement(), name, subject);
        }

        long count() throws Exception {
            return jsm.getStreamInfo(name).getStreamState().getMsgCount();
        }

        @Override
        public void close() throws Exception {
            try {
                jsm.deleteStream(name);
            } finally {
                connection.close();
            }
        }
    }

    private static ForwarderConfig config(String url, Stream s, OnReject onReject) throws Exception {
        return ForwarderConfig.of("nats", SinkTarget.parse(url + "?subject=" + s.subject() + "&stream=" + s.name(), null),
                StartAt.START, onReject, Duration.ofSeconds(1));
    }

    @Test
    void recordsOfEveryKindArriveUnchangedInOrderWithTheirHeadersAndResendsAreDroppedAsDuplicates() throws Exception {
        String url = Brokers.nats();
        try (Stream s = Stream.create(url); Log log = Log.open(LogConfig.defaults(dir))) {
            // The largest record the server takes with its headers: NATS's max_payload (1 MB by default) counts both.
            int largest = (int) s.connection().getServerInfo().getMaxPayload() - 1024;
            List<Logs.Sample> samples = Logs.append(log, Logs.everyKind(largest));
            try (Forwarders f = new Forwarders(log, List.of(config(url, s, OnReject.STOP)), Clock.systemUTC())) {
                ForwarderTest.await(() -> f.views().get(0).status().forwardedSeq() == samples.size(), "confirmed");
            }
            for (int i = 0; i < samples.size(); i++) {
                MessageInfo m = s.jsm().getMessage(s.name(), i + 1);
                LogRecord r = log.read(i + 1);
                Headers h = m.getHeaders();
                assertArrayEquals(samples.get(i).payload(), m.getData() == null ? new byte[0] : m.getData());
                assertEquals(log.logId() + ":" + (i + 1), h.getFirst("Nats-Msg-Id"));
                assertEquals(log.logId().toString(), h.getFirst("afterme-log-id"));
                assertEquals(Long.toString(i + 1), h.getFirst("afterme-seq"));
                assertEquals(RecordJson.formatTime(r.epochSecond(), r.nanos()), h.getFirst("afterme-time"));
                assertEquals(Hashes.hex(r.sha256()), h.getFirst("afterme-sha256"));
                assertEquals(samples.get(i).contentType(), h.getFirst("Content-Type"));
            }
            // A forwarder that lost its checkpoint sends everything again: the stream drops every copy.
            Files.delete(Checkpoint.file(dir, "nats"));
            try (Forwarders f = new Forwarders(log, List.of(config(url, s, OnReject.STOP)), Clock.systemUTC())) {
                ForwarderTest.await(() -> f.views().get(0).status().forwardedSeq() == samples.size(), "confirmed again");
                assertEquals(samples.size(), f.views().get(0).status().duplicates());
            }
            assertEquals(samples.size(), s.count(), "no copy reached the stream");
        }
    }

    @Test
    void aRecordOverTheServersMaxPayloadStopsTheForwarderOrIsDeadLettered() throws Exception {
        String url = Brokers.nats();
        try (Stream s = Stream.create(url); Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 2);
            Logs.append(log, List.of(new Logs.Sample(new byte[1 << 20], null)));
            Logs.appendSmall(log, 1);
            Forwarder stop = new Forwarder(config(url, s, OnReject.STOP), new FileLogSource(dir), n -> { })
                    .start();
            stop.await();
            assertEquals(State.STOPPED, stop.status().state());
            assertEquals(2, stop.status().forwardedSeq());
            assertTrue(stop.status().lastError().contains("max_payload"), stop.status().lastError());
            assertEquals(2, s.count());
            Forwarder dead = new Forwarder(config(url, s, OnReject.DEAD_LETTER), new FileLogSource(dir),
                    n -> { }).start();
            ForwarderTest.await(() -> dead.status().forwardedSeq() == 4, "past the refused record");
            dead.close();
            assertEquals(3, s.count());
            assertEquals("4", s.jsm().getMessage(s.name(), 3).getHeaders().getFirst("afterme-seq"));
            String line = Files.readAllLines(Forwarder.deadLetterFile(dir, "nats")).get(0);
            assertTrue(line.startsWith("{\"seq\":3,"), line);
        }
    }

    /**
     * The server stopped for 20 s mid-stream: appends go on meanwhile, the forwarder retries, resumes once the
     * server is back, and the stream ends up with every record once, in order.
     */
    @Test
    void aServerStoppedForTwentySecondsLosesNothingAndHoldsNoAppendBack() throws Exception {
        Brokers.NatsServer server = Brokers.NatsServer.start(Files.createDirectories(dir.resolveSibling(dir.getFileName()
                + "-nats")));
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Stream s = Stream.create(server.url());
            AtomicBoolean appending = new AtomicBoolean(true);
            AtomicLong appended = new AtomicLong();
            Thread writer = new Thread(() -> {
                while (appending.get()) {
                    try {
                        log.submit(Append.of(("e" + appended.get()).getBytes(StandardCharsets.UTF_8), Ack.DURABLE))
                                .durable.get();
                        appended.incrementAndGet();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            try (Forwarders f = new Forwarders(log, List.of(config(server.url(), s, OnReject.STOP)), Clock.systemUTC())) {
                writer.start();
                ForwarderTest.await(() -> f.views().get(0).status().forwardedSeq() > 200, "forwarding");
                long startedAt = System.nanoTime();
                long atStart = appended.get();
                Thread.sleep(5_000);
                double rateUp = (appended.get() - atStart) / ((System.nanoTime() - startedAt) / 1e9);
                s.connection().close();
                server.stop();
                long before = appended.get();
                long stoppedAt = System.nanoTime();
                Thread.sleep(20_000);
                long during = appended.get() - before;
                double seconds = (System.nanoTime() - stoppedAt) / 1e9;
                assertEquals(State.RETRYING, f.views().get(0).status().state());
                assertTrue(during > 0, "appends went on while the server was down");
                System.out.printf("NATS down for %.1f s: %d durable appends meanwhile (%.0f/s; %.0f/s while it was up),"
                        + " forwarder retried %d times%n", seconds, during, during / seconds, rateUp,
                        f.views().get(0).status().retries());
                server.restart();
                appending.set(false);
                writer.join();
                long last = log.lastSeq();
                ForwarderTest.await(() -> f.views().get(0).status().forwardedSeq() == last, "caught up");
            }
            try (Stream back = Stream.reopen(server.url(), s.name(), s.subject())) {
                long last = log.lastSeq();
                assertEquals(last, back.count(), "each record once");
                JetStreamSubscription sub = back.connection().jetStream().subscribe(s.subject(),
                        PushSubscribeOptions.builder().ordered(true).build());
                for (long i = 1; i <= last; i++) {
                    io.nats.client.Message m = sub.nextMessage(Duration.ofSeconds(10));
                    assertEquals(Long.toString(i), m.getHeaders().getFirst("afterme-seq"), "in order, no gap");
                }
            }
        } finally {
            server.stop();
        }
    }
}
