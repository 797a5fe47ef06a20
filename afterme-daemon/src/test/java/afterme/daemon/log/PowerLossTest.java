package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.LogCursor;
import afterme.format.LogFormatException;
import afterme.format.LogRecord;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Power loss at 10,000 random points of real engine histories (concurrent appends, mixed acks,
 * rotations). At each point the disk keeps what fsync made durable plus an arbitrary, torn prefix of the
 * rest (or a new size without its data, or a file without its directory entry), and the reopened log
 * must hold every record acknowledged durable before the crash, and only valid records.
 */
class PowerLossTest {
    private static final int WORKLOADS = 10;
    private static final int CRASHES_PER_WORKLOAD = 1000;

    private record History(List<PowerLossStorage.Op> ops, Map<Long, byte[]> payloads) {
    }

    private static History record(FileSystem fs, long seed) throws Exception {
        Path dir = fs.getPath("/data");
        PowerLossStorage storage = new PowerLossStorage();
        Map<Long, byte[]> payloads = new ConcurrentHashMap<>();
        LogConfig config = LogConfig.defaults(dir).withSegmentSize(8192).withFlush(Duration.ofMillis(2), 4096)
                .withStorage(storage);
        try (Log log = Log.open(config)) {
            log.addListener(new LogListener() {
                @Override
                public void written(long lastSeq) {
                }

                @Override
                public void durable(long durableSeq) {
                    storage.durable(durableSeq);
                }
            });
            List<Thread> appenders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Random random = new Random(seed * 31 + t);
                appenders.add(new Thread(() -> {
                    for (int i = 0; i < 40; i++) {
                        byte[] payload = new byte[random.nextInt(10) == 0 ? 3000 : random.nextInt(300)];
                        random.nextBytes(payload);
                        Ack ack = random.nextBoolean() ? Ack.DURABLE : Ack.MEMORY;
                        try {
                            Append a = log.submit(Append.of(payload, ack));
                            payloads.put(a.written.get().firstSeq(), payload);
                            if (ack == Ack.DURABLE) {
                                a.durable.get();
                            }
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                }));
            }
            appenders.forEach(Thread::start);
            for (Thread t : appenders) {
                t.join();
            }
        }
        return new History(storage.ops(), payloads);
    }

    @Test
    void everyDurableRecordSurvivesPowerLossAtAnyPoint() throws Exception {
        int crashes = 0;
        long durableChecked = 0;
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            for (int w = 0; w < WORKLOADS; w++) {
                History h = record(fs, w);
                Random random = new Random(w);
                for (int c = 0; c < CRASHES_PER_WORKLOAD; c++) {
                    int cut = random.nextInt(h.ops().size() + 1);
                    Path image = fs.getPath("/crash");
                    Files.createDirectories(image);
                    PowerLossStorage.crashImage(h.ops(), cut, fs.getPath("/data"), image, random);
                    long durable = durableBefore(h.ops(), cut);
                    durableChecked += durable;
                    checkImage(image, durable, h.payloads(), "workload " + w + ", crash before op " + cut + " of "
                            + h.ops().size());
                    deleteTree(image);
                    crashes++;
                }
                deleteTree(fs.getPath("/data"));
            }
        }
        System.out.println("power loss: " + crashes + " crash points; at them " + durableChecked
                + " records in all had been acknowledged durable; none lost");
        assertEquals(WORKLOADS * CRASHES_PER_WORKLOAD, crashes);
    }

    private static long durableBefore(List<PowerLossStorage.Op> ops, int cut) {
        long seq = 0;
        for (PowerLossStorage.Op op : ops.subList(0, cut)) {
            if (op instanceof PowerLossStorage.Durable d) {
                seq = Math.max(seq, d.seq());
            }
        }
        return seq;
    }

    private static void checkImage(Path image, long durable, Map<Long, byte[]> payloads, String what)
            throws IOException {
        LogState state;
        try {
            state = new LogOpener(LogConfig.defaults(image)).open();
        } catch (LogFormatException e) {
            throw new AssertionError(what + ": a power loss must leave only torn tails, but: " + e.getMessage(), e);
        }
        state.active().close();
        assertTrue(state.lastSeq() >= durable, what + ": last seq " + state.lastSeq() + " < durable " + durable);
        try (LogCursor cursor = new LogCursor(image, 1, true)) {
            long expected = 1;
            for (LogRecord r = cursor.next(); r != null; r = cursor.next()) {
                assertEquals(expected++, r.seq(), what);
                assertArrayEquals(payloads.get(r.seq()), r.payload(), what + ": seq " + r.seq());
            }
            assertEquals(state.lastSeq() + 1, expected, what);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
