package afterme.daemon.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.SaidLines;
import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.GatedStorage;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.format.Hashes;
import afterme.format.LogCursor;
import afterme.format.LogRecord;
import afterme.format.RecordJson;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.forward.Checkpoint;
import afterme.forward.FileLogSource;
import afterme.forward.Forwarder;
import afterme.forward.ForwarderConfig;
import afterme.forward.ForwarderStatus.State;
import afterme.forward.LogSource;
import afterme.forward.Message;
import afterme.forward.OnReject;
import afterme.forward.SinkTarget;
import afterme.forward.Sinks;
import afterme.forward.StartAt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarding engine against a broker of the tests' own ({@link MemorySinkProvider}): order, headers,
 * durability, checkpoints, refusals, damage and lost connections, each tried to break what README.md promises
 * of forwarding.
 */
@Timeout(60)
class ForwarderTest {
    @TempDir
    Path dir;

    /** Forwarder "f" from the start of this directory's log, stopping on a rejection, run until it stops by itself. */
    private Forwarder runUntilItStops(String broker) throws Exception {
        Forwarder f = new Forwarder(config("f", broker, StartAt.START, OnReject.STOP), new FileLogSource(dir), n -> { })
                .start();
        f.await();
        return f;
    }

    private static ForwarderConfig config(String name, String broker, StartAt startAt, OnReject onReject) throws Exception {
        return ForwarderConfig.of(name, SinkTarget.parse("memory://" + broker, null), startAt, onReject,
                Duration.ofMillis(20)).withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(200), Duration.ofSeconds(1))
                .in(ForwarderConfig.Host.DAEMON);
    }

    private static String unique() {
        return "b" + UUID.randomUUID().toString().replace("-", "");
    }

    /** A condition a test waits for; the test's own timeout bounds the wait. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    static void await(Condition condition, String what) throws Exception {
        while (!condition.holds()) {
            Thread.sleep(5);
        }
    }

    @Test
    void aSinkOfOneOwnIsFoundThroughServiceLoader() throws Exception {
        assertInstanceOf(MemorySinkProvider.class, Sinks.forTarget(SinkTarget.parse("memory://x", null)));
    }

    /** A file where the checkpoints go is named, and forwarding starts once it is moved away. */
    @Test
    void aFileInTheWayOfTheCheckpointsIsNamedAndForwardingStartsOnceItIsGone() throws Exception {
        String broker = unique();
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 3);
            Path inTheWay = Files.writeString(dir.resolve("forward"), "not a directory");
            try (Forwarders f = new Forwarders(log, List.of(config("f", broker, StartAt.START, OnReject.STOP)),
                    Clock.systemUTC())) {
                await(() -> f.views().get(0).status().state() == State.RETRYING, "retrying");
                String error = f.views().get(0).status().lastError();
                assertTrue(error.contains(inTheWay + " is not a directory, and the forwarders' checkpoints are kept"
                        + " there; move it away"), error);
                Files.delete(inTheWay);
                await(() -> MemorySinkProvider.broker(broker).received().size() == 3, "all forwarded");
            }
        }
    }

    @Test
    void everyDurableRecordArrivesInOrderUnchangedWithItsHeaders() throws Exception {
        String broker = unique();
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            List<Logs.Sample> samples = Logs.append(log, Logs.everyKind(1 << 20));
            try (Forwarders f = new Forwarders(log, List.of(config("f", broker, StartAt.START, OnReject.STOP)),
                    Clock.systemUTC())) {
                await(() -> MemorySinkProvider.broker(broker).received().size() == samples.size(), "all forwarded");
                List<Message> got = MemorySinkProvider.broker(broker).received();
                for (int i = 0; i < samples.size(); i++) {
                    Message m = got.get(i);
                    LogRecord r = log.read(i + 1);
                    assertEquals(i + 1, m.seq());
                    assertArrayEquals(samples.get(i).payload(), m.payload());
                    assertEquals(samples.get(i).contentType(), m.contentType());
                    assertEquals(log.logId() + ":" + (i + 1), m.id());
                    assertEquals(log.logId().toString(), m.headers().get(Message.LOG_ID));
                    assertEquals(Long.toString(i + 1), m.headers().get(Message.SEQ));
                    assertEquals(RecordJson.formatTime(r.epochSecond(), r.nanos()), m.headers().get(Message.TIME));
                    assertEquals(Hashes.hex(Hashes.sha256(samples.get(i).payload())), m.headers().get(Message.SHA256));
                }
                await(() -> checkpointSeq("f") == samples.size(), "checkpoint written");
                Checkpoint cp = Checkpoint.read(Checkpoint.file(dir, "f"));
                assertArrayEquals(log.chainHead(), cp.chain());
                assertEquals("memory://" + broker, cp.sink());
                assertEquals(1, log.followers(), "a forwarder follows the head");
            }
            assertEquals(0, log.followers(), "closed forwarders follow no more");
        }
    }

    private long checkpointSeq(String name) {
        try {
            Checkpoint cp = Checkpoint.read(Checkpoint.file(dir, name));
            return cp == null ? -1 : cp.seq();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aRecordAckedInMemoryIsNotForwardedBeforeItIsDurable() throws Exception {
        String broker = unique();
        GatedStorage storage = new GatedStorage();
        try (Log log = Log.open(LogConfig.defaults(dir).withFlush(Duration.ofMillis(1), 1 << 20).withStorage(storage))) {
            try (Forwarders f = new Forwarders(log, List.of(config("f", broker, StartAt.START, OnReject.STOP)),
                    Clock.systemUTC())) {
                Append a = log.submit(Append.of("held".getBytes(StandardCharsets.UTF_8), Ack.MEMORY));
                assertEquals(1, a.written.get().firstSeq());
                assertTrue(storage.blocked.await(5, TimeUnit.SECONDS), "its fsync is held back");
                Thread.sleep(300);
                assertEquals(List.of(), MemorySinkProvider.broker(broker).received(), "written, not durable, not sent");
                storage.openGate();
                await(() -> MemorySinkProvider.broker(broker).received().size() == 1, "sent once durable");
                assertEquals(1, log.durableSeq());
            }
        }
    }

    @Test
    void lostConnectionsResendFromTheLastConfirmedRecordAndNeverSkip() throws Exception {
        String broker = unique();
        MemorySinkProvider.Broker b = MemorySinkProvider.broker(broker);
        b.failEvery = 37;
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 2000);
            ForwarderConfig c = config("f", broker, StartAt.START, OnReject.STOP).withWindow(50, 1 << 20);
            try (Forwarders f = new Forwarders(log, List.of(c), Clock.systemUTC())) {
                await(() -> b.distinctSeqs().size() == 2000, "all forwarded");
                assertEquals(LongStream.rangeClosed(1, 2000).boxed().toList(), b.distinctSeqs());
                List<Message> got = b.received();
                for (int i = 1; i < got.size(); i++) {
                    assertTrue(got.get(i).seq() <= got.get(i - 1).seq() + 1, "no gap after seq " + got.get(i - 1).seq());
                }
                assertTrue(b.connections > 2000 / 37, "it reconnected after each loss: " + b.connections);
                assertTrue(f.views().get(0).status().retries() > 0);
            }
        }
    }

    @Test
    void aRefusedRecordStopsTheForwarderBeforeIt() throws Exception {
        String broker = unique();
        MemorySinkProvider.Broker b = MemorySinkProvider.broker(broker);
        b.maxPayload = 100;
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            appendOneTooLargeAtSix(log);
            try (Forwarders f = new Forwarders(log, List.of(config("f", broker, StartAt.START, OnReject.STOP)),
                    Clock.systemUTC())) {
                await(() -> state(f) == State.STOPPED, "stopped");
                var s = f.views().get(0).status();
                assertEquals(5, s.forwardedSeq());
                assertTrue(s.lastError().contains("refused seq 6"), s.lastError());
                assertTrue(s.lastError().endsWith("Once the broker can take it, restart the daemon; or set such records"
                        + " aside with on_reject=dead-letter in its --forward URI."), s.lastError());
                assertEquals(5, checkpointSeq("f"));
                assertEquals(LongStream.rangeClosed(1, 5).boxed().toList(), b.distinctSeqs());
            }
        }
    }

    /** Seqs 1 to 7, all of 2 or 3 bytes but seq 6, of 101: over the 100 the tests' broker takes. */
    private static void appendOneTooLargeAtSix(Log log) throws Exception {
        Logs.appendSmall(log, 5);
        Logs.append(log, List.of(new Logs.Sample(new byte[101], null)));
        Logs.appendSmall(log, 1);
    }

    private static State state(Forwarders f) {
        return view(f).status().state();
    }

    private static Forwarders.View view(Forwarders f) {
        try {
            return f.views().get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aRefusedRecordIsDeadLetteredAndForwardingGoesOn() throws Exception {
        String broker = unique();
        MemorySinkProvider.Broker b = MemorySinkProvider.broker(broker);
        b.maxPayload = 100;
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            appendOneTooLargeAtSix(log);
            try (Forwarders f = new Forwarders(log, List.of(config("f", broker, StartAt.START, OnReject.DEAD_LETTER)),
                    Clock.systemUTC())) {
                await(() -> checkpointSeq("f") == 7, "forwarded past the refused record");
                assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 7L), b.distinctSeqs());
                assertEquals(1, f.views().get(0).status().deadLettered());
                List<String> lines = Files.readAllLines(Forwarder.deadLetterFile(dir, "f"));
                assertEquals(1, lines.size());
                assertTrue(lines.get(0).startsWith("{\"seq\":6,"), lines.get(0));
            }
        }
    }

    /** A broker that refuses every record: each is set aside, and the operator reads one line, not fifty. */
    @Test
    void recordsSetAsideOneAfterAnotherAreOneLine() throws Exception {
        String broker = unique();
        MemorySinkProvider.broker(broker).maxPayload = 0;
        try (SaidLines said = SaidLines.of(Forwarder.class); Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 50);
            try (Forwarders f = new Forwarders(log, List.of(config("f", broker, StartAt.START, OnReject.DEAD_LETTER)),
                    Clock.systemUTC())) {
                await(() -> checkpointSeq("f") == 50, "every record set aside");
                assertEquals(50, f.views().get(0).status().deadLettered());
            }
            List<String> lines = said.lines();
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("WARNING forwarder f: memory://" + broker + " refused seq 1 ")
                    && lines.get(0).endsWith("the record is in " + Forwarder.deadLetterFile(dir, "f")), lines.get(0));
        }
    }

    @Test
    void aDamagedRecordStopsTheForwarderWithItsSeqAndOffset() throws Exception {
        String broker = unique();
        LogRecord sixth = appendTenAndRead(6);
        flipLastByte(sixth);
        Forwarder f = runUntilItStops(broker);
        assertEquals(State.STOPPED, f.status().state());
        assertEquals(5, f.status().forwardedSeq());
        assertTrue(f.status().lastError().contains("seq 6"), f.status().lastError());
        assertTrue(f.status().lastError().contains("offset " + sixth.offset()), f.status().lastError());
        assertEquals(LongStream.rangeClosed(1, 5).boxed().toList(), MemorySinkProvider.broker(broker).distinctSeqs());
        assertEquals(5, checkpointSeq("f"));
    }

    /** Writes ten small records into the log in {@code dir} and returns record {@code seq} as the log read it. */
    private LogRecord appendTenAndRead(long seq) throws Exception {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 10);
            return log.read(seq);
        }
    }

    /** Flips a bit in the last byte of {@code r}'s payload, which its CRC32C covers. */
    private void flipLastByte(LogRecord r) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(r.segment()), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long at = r.offset() + r.length() - 1;
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 1)).rewind();
            ch.write(one, at);
        }
    }

    @Test
    void aStartThatMeetsAnIoErrorIsTriedAgainAndThenForwardsEverything() throws Exception {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 10);
        }
        String broker = unique();
        AtomicInteger failures = new AtomicInteger(2);
        LogSource files = new FileLogSource(dir);
        LogSource flaky = new LogSource() {
            @Override
            public UUID logId() throws IOException {
                if (failures.getAndDecrement() > 0) {
                    throw new IOException("the first segment is busy");
                }
                return files.logId();
            }

            @Override
            public long readableSeq() throws IOException {
                return files.readableSeq();
            }

            @Override
            public long lastSeq() throws IOException {
                return files.lastSeq();
            }

            @Override
            public LogCursor cursor(long fromSeq) {
                return files.cursor(fromSeq);
            }

            @Override
            public void makeDurable(Set<Path> segments) throws IOException {
                files.makeDurable(segments);
            }

            @Override
            public Path dataDir() {
                return files.dataDir();
            }
        };
        try (Forwarder f = new Forwarder(config("f", broker, StartAt.START, OnReject.STOP), flaky, n -> { }).start()) {
            await(() -> f.status().retries() >= 1, "a retry");
            assertEquals(State.RETRYING, f.status().state());
            assertTrue(f.status().lastError().contains("cannot start: the first segment is busy"), f.status().lastError());
            await(() -> f.status().forwardedSeq() == 10, "all forwarded");
            assertEquals(State.RUNNING, f.status().state());
            assertEquals(2, f.status().retries());
            assertEquals(LongStream.rangeClosed(1, 10).boxed().toList(), MemorySinkProvider.broker(broker).distinctSeqs());
        }
    }

    @Test
    void damageFoundAtStartStopsTheForwarderWithoutATry() throws Exception {
        String broker = unique();
        LogRecord last = appendTenAndRead(10);
        try (Forwarder f = new Forwarder(config("f", broker, StartAt.START, OnReject.STOP), new FileLogSource(dir),
                n -> { }).start()) {
            await(() -> checkpointSeq("f") == 10, "checkpoint written");
        }
        // The record the checkpoint names, which the next start reads to prove the checkpoint is this log's.
        flipLastByte(last);
        Forwarder f = runUntilItStops(broker);
        assertEquals(State.STOPPED, f.status().state());
        assertEquals(0, f.status().retries());
        assertTrue(f.status().lastError().contains("damaged"), f.status().lastError());
        assertTrue(f.status().lastError().contains("seq 10"), f.status().lastError());
    }

    @Test
    void aCheckpointTornGarbageOrOfAnotherLogStopsTheForwarderAndIsLeftAsItWas() throws Exception {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 10);
        }
        Path other = dir.resolveSibling(dir.getFileName() + "-other");
        try (Log log = Log.open(LogConfig.defaults(other))) {
            Logs.appendSmall(log, 10);
        }
        String broker = unique();
        Forwarder first = new Forwarder(config("f", broker, StartAt.START, OnReject.STOP), new FileLogSource(other),
                n -> { }).start();
        await(() -> first.status().forwardedSeq() == 10, "the other log forwarded");
        first.close();
        byte[] otherLogs = Files.readAllBytes(Checkpoint.file(other, "f"));
        byte[] good = replaceChain(otherLogs);
        String[][] cases = {
            {"torn", new String(otherLogs, StandardCharsets.UTF_8).substring(0, otherLogs.length / 2), "cut short"},
            {"garbage", "\u0000\u0001garbage\n", "damaged"},
            {"empty", "", "cut short"},
            {"another log", new String(otherLogs, StandardCharsets.UTF_8), "the log was replaced"},
            {"another chain", new String(good, StandardCharsets.UTF_8), "has chain"},
        };
        for (String[] c : cases) {
            Path file = Checkpoint.file(dir, "f");
            Files.createDirectories(file.getParent());
            Files.write(file, c[1].getBytes(StandardCharsets.UTF_8));
            String b = unique();
            Forwarder f = runUntilItStops(b);
            assertEquals(State.STOPPED, f.status().state(), c[0]);
            assertTrue(f.status().lastError().contains(c[2]), c[0] + ": " + f.status().lastError());
            assertTrue(f.status().lastError().contains("--from"), c[0] + ": " + f.status().lastError());
            assertEquals(List.of(), MemorySinkProvider.broker(b).received(), c[0] + ": nothing sent");
            assertArrayEquals(c[1].getBytes(StandardCharsets.UTF_8), Files.readAllBytes(file), c[0] + ": left as it was");
        }
    }

    /** This log's checkpoint at seq 10 with the other log's chain: the same log id, another history. */
    private byte[] replaceChain(byte[] otherLogs) throws Exception {
        Checkpoint o = Checkpoint.read(writeTo(dir.resolveSibling("tmp.checkpoint"), otherLogs));
        UUID id;
        try (FileChannel ch = FileChannel.open(Segments.list(dir).get(0))) {
            id = SegmentScanner.readHeader(ch, "first").logId();
        }
        Path file = dir.resolveSibling("mine.checkpoint");
        new Checkpoint("f", id, 10, o.chain(), o.sink()).write(file);
        return Files.readAllBytes(file);
    }

    private static Path writeTo(Path file, byte[] bytes) throws Exception {
        Files.write(file, bytes);
        return file;
    }

    @Test
    void aNewForwarderStartsWhereItIsToldAndARestartResumesAfterItsCheckpoint() throws Exception {
        String fromEnd = unique();
        String fromFive = unique();
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 10);
            List<ForwarderConfig> configs = List.of(config("end", fromEnd, StartAt.END, OnReject.STOP),
                    config("five", fromFive, StartAt.seq(5), OnReject.STOP));
            try (Forwarders f = new Forwarders(log, configs, Clock.systemUTC())) {
                await(() -> checkpointSeq("end") == 10 && checkpointSeq("five") == 10, "started");
                Logs.appendSmall(log, 2);
                await(() -> checkpointSeq("end") == 12 && checkpointSeq("five") == 12, "caught up");
            }
            assertEquals(List.of(11L, 12L), MemorySinkProvider.broker(fromEnd).distinctSeqs());
            assertEquals(LongStream.rangeClosed(5, 12).boxed().toList(), MemorySinkProvider.broker(fromFive).distinctSeqs());
            Logs.appendSmall(log, 3);
            try (Forwarders f = new Forwarders(log, configs, Clock.systemUTC())) {
                await(() -> checkpointSeq("end") == 15 && checkpointSeq("five") == 15, "resumed");
            }
            assertEquals(List.of(11L, 12L, 13L, 14L, 15L), MemorySinkProvider.broker(fromEnd).distinctSeqs());
            assertEquals(MemorySinkProvider.broker(fromEnd).received().size(), 5, "a restart sends nothing twice");
        }
    }

    @Test
    void aDeadBrokerNeitherStopsAppendsNorLosesRecordsAndIsCaughtUpOnceBack() throws Exception {
        String broker = unique();
        MemorySinkProvider.Broker b = MemorySinkProvider.broker(broker);
        b.down = true;
        try (Log log = Log.open(LogConfig.defaults(dir));
             Forwarders f = new Forwarders(log, List.of(config("f", broker, StartAt.START, OnReject.STOP)),
                     Clock.systemUTC())) {
            Logs.appendSmall(log, 5000);
            await(() -> view(f).status().retries() >= 2, "retrying");
            Forwarders.View v = f.views().get(0);
            assertEquals(State.RETRYING, v.status().state());
            assertTrue(v.status().lastError().contains("is down"), v.status().lastError());
            assertEquals(5000, v.lagRecords());
            assertTrue(v.lagSeconds() >= 0);
            b.down = false;
            await(() -> checkpointSeq("f") == 5000, "caught up");
            assertEquals(LongStream.rangeClosed(1, 5000).boxed().toList(), b.distinctSeqs());
            await(() -> state(f) == State.RUNNING, "running");
        }
    }

    @Test
    void closingWaitsBrieflyForConfirmsAndKeepsOnlyWhatWasConfirmed() throws Exception {
        String broker = unique();
        MemorySinkProvider.Broker b = MemorySinkProvider.broker(broker);
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 3);
            Forwarders f = new Forwarders(log, List.of(config("f", broker, StartAt.START, OnReject.STOP)), Clock.systemUTC());
            await(() -> checkpointSeq("f") == 3, "forwarded");
            b.holdConfirms = true;
            Logs.appendSmall(log, 3);
            await(() -> b.received().size() == 6, "sent, not confirmed");
            long start = System.nanoTime();
            f.close();
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "closing is bounded");
            assertEquals(State.CLOSED, f.views().get(0).status().state());
            assertEquals(3, checkpointSeq("f"), "unconfirmed records stay after the checkpoint");
        }
    }

    @Test
    void twoForwardersOfOneNameNeverRunAtOnce() throws Exception {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            Logs.appendSmall(log, 3);
            try (Forwarders running = new Forwarders(log, List.of(config("f", unique(), StartAt.START, OnReject.STOP)),
                    Clock.systemUTC())) {
                await(() -> checkpointSeq("f") == 3, "forwarded");
                Forwarder second = new Forwarder(config("f", unique(), StartAt.START, OnReject.STOP),
                        new FileLogSource(dir), n -> { }).start();
                second.await();
                assertEquals(State.STOPPED, second.status().state());
                assertNotNull(second.status().lastError());
                assertTrue(second.status().lastError().contains("already runs"), second.status().lastError());
                assertEquals(3, checkpointSeq("f"));
            }
        }
    }

    @Test
    void standaloneForwardsRecordsTheDaemonWroteButHasNotSynced() throws Exception {
        String broker = unique();
        GatedStorage storage = new GatedStorage();
        try (Log log = Log.open(LogConfig.defaults(dir).withFlush(Duration.ofMillis(1), 1 << 20).withStorage(storage))) {
            log.submit(Append.of("only written".getBytes(StandardCharsets.UTF_8), Ack.MEMORY)).written.get();
            Forwarder f = new Forwarder(config("solo", broker, StartAt.START, OnReject.STOP), new FileLogSource(dir),
                    n -> { }).start();
            await(() -> f.status().forwardedSeq() == 1, "forwarded after its own fsync");
            assertEquals(0, log.durableSeq(), "the daemon's own fsync is still held back");
            f.close();
            storage.openGate();
        }
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            assertEquals("only written", new String(c.next().payload(), StandardCharsets.UTF_8));
        }
    }
}
