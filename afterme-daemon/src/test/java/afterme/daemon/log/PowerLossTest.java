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
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Power loss at 10,000 random points of real engine histories (concurrent appends, mixed acks,
 * rotations, the fill). At each point the disk keeps what fsync made durable plus, of the rest, any
 * subset of pages at any of their versions or a torn prefix (or a new size without its data, or a file
 * without its directory entry; {@link PowerLossStorage}). The log must open without an operator, hold
 * every record acknowledged durable before the crash, only valid records with contiguous seqs, and
 * every byte it cut saved under recovered/.
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
        // Segments of two pages, where most writes rotate, and of eight, where torn pages fall between records.
        LogConfig config = LogConfig.defaults(dir).withSegmentSize(seed % 2 == 0 ? 8192 : 32768)
                .withFlush(Duration.ofMillis(2), 4096).withStorage(storage);
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
        Map<String, byte[]> before = contents(image);
        LogState state;
        try {
            state = new LogOpener(LogConfig.defaults(image)).open();
        } catch (LogFormatException e) {
            throw new AssertionError(what + ": a power loss must leave only torn tails, but: " + e.getMessage(), e);
        }
        state.active().close();
        everyCutByteSaved(image, before, what);
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

    private static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path f : list.filter(Files::isRegularFile).toList()) {
                files.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        return files;
    }

    /**
     * Each file start-up changed is a prefix of what it was, and the rest of it lies in
     * {@code recovered/<name>.at-<offset>.<time>.cut}; a file it removed lies there whole, at offset 0.
     */
    private static void everyCutByteSaved(Path image, Map<String, byte[]> before, String what) throws IOException {
        Map<String, byte[]> after = contents(image);
        Path recovered = image.resolve("recovered");
        Map<String, byte[]> saved = Files.isDirectory(recovered) ? contents(recovered) : Map.of();
        int cuts = 0;
        for (Map.Entry<String, byte[]> e : before.entrySet()) {
            byte[] old = e.getValue();
            byte[] now = after.getOrDefault(e.getKey(), new byte[0]);
            if (Arrays.equals(old, now)) {
                continue;
            }
            if (saved.keySet().stream().anyMatch(n -> n.startsWith(e.getKey() + ".at-0."))) {
                // A half-created segment, moved away whole; the file there now is the segment created afresh.
                now = new byte[0];
            }
            assertTrue(now.length < old.length || old.length == 0 && Arrays.equals(old, 0, now.length, now, 0, now.length),
                    what + ": " + e.getKey() + " changed other than by a cut: " + old.length + " bytes, now " + now.length
                            + ", saved " + saved.keySet());
            String prefix = e.getKey() + ".at-" + now.length + ".";
            byte[] cut = saved.entrySet().stream().filter(s -> s.getKey().startsWith(prefix)).map(Map.Entry::getValue)
                    .findFirst().orElseThrow(() -> new AssertionError(what + ": no " + prefix + "*.cut in " + saved.keySet()));
            assertArrayEquals(Arrays.copyOfRange(old, now.length, old.length), cut, what + ": the bytes saved of "
                    + e.getKey());
            cuts++;
        }
        assertEquals(saved.size(), cuts, what + ": a saved cut for every change");
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
