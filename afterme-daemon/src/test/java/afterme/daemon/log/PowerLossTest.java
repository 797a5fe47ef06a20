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
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss at 10,000 random points of real engine histories (concurrent appends and batches, mixed
 * acks, rotations, the fill). At each point the disk keeps what fsync made durable plus, of the rest, any
 * subset of pages at any of their versions or a torn prefix (or a new size without its data, or a file
 * without its directory entry; {@link PowerLossStorage}). The log must open without an operator, hold
 * every record acknowledged durable before the crash, only valid records with contiguous seqs, every
 * batch whole or none of it, and every byte it cut saved under recovered/. Then the same where large
 * payloads bypass the page cache.
 */
class PowerLossTest {
    private static final int WORKLOADS = 10;
    private static final int CRASHES_PER_WORKLOAD = 1000;

    /** @param batches the first seq of each batch of several records, and its last */
    private record History(List<PowerLossStorage.Op> ops, Map<Long, byte[]> payloads, Map<Long, Long> batches) {
    }

    /** What one appender submits: its payload and how it hands it over. */
    private interface Workload {
        Append append(byte[] payload, Ack ack);

        byte[] payload(Random random);
    }

    /** Small records in byte arrays, a tenth of a few KiB: writes within a page, across pages and segments. */
    private static final Workload SMALL = new Workload() {
        @Override
        public Append append(byte[] payload, Ack ack) {
            return Append.of(payload, ack);
        }

        @Override
        public byte[] payload(Random random) {
            return new byte[random.nextInt(10) == 0 ? 3000 : random.nextInt(300)];
        }
    };

    /**
     * A third of the records 64-200 KiB in pieces off the heap, as the HTTP side hands them over, whose
     * writes bypass the page cache; the rest small.
     */
    private static final Workload LARGE = new Workload() {
        @Override
        public Append append(byte[] payload, Ack ack) {
            return payload.length < StagedWrite.IN_PLACE_BYTES ? Append.of(payload, ack)
                    : FaultInjectionTest.inPlaceAppend(payload, 2, ack);
        }

        @Override
        public byte[] payload(Random random) {
            return new byte[random.nextInt(3) == 0 ? StagedWrite.IN_PLACE_BYTES + random.nextInt(136 << 10)
                    : random.nextInt(3000)];
        }
    };

    private static History record(Path dir, PowerLossStorage storage, long segmentSize, Workload workload, long seed,
                                  int appendsPerThread) throws Exception {
        Map<Long, byte[]> payloads = new ConcurrentHashMap<>();
        Map<Long, Long> batches = new ConcurrentHashMap<>();
        LogConfig config = LogConfig.defaults(dir).withSegmentSize(segmentSize)
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
                    for (int i = 0; i < appendsPerThread; i++) {
                        // A quarter of the appends are batches of 2 to 6 records, which a crash keeps whole or not at all.
                        List<byte[]> batch = new ArrayList<>();
                        for (int n = random.nextInt(4) == 0 ? 2 + random.nextInt(5) : 1; batch.size() < n; ) {
                            byte[] payload = workload.payload(random);
                            random.nextBytes(payload);
                            batch.add(payload);
                        }
                        Ack ack = random.nextBoolean() ? Ack.DURABLE : Ack.MEMORY;
                        try {
                            Append a = log.submit(batch.size() == 1 ? workload.append(batch.get(0), ack)
                                    : Append.of(batch, null, null, -1, ack));
                            AppendResult written = a.written.get();
                            for (int k = 0; k < batch.size(); k++) {
                                payloads.put(written.firstSeq() + k, batch.get(k));
                            }
                            if (batch.size() > 1) {
                                batches.put(written.firstSeq(), written.lastSeq());
                            }
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
        return new History(storage.ops(), payloads, batches);
    }

    @Test
    void everyDurableRecordSurvivesPowerLossAtAnyPoint() throws Exception {
        int crashes = 0;
        long durableChecked = 0;
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path data = fs.getPath("/data");
            for (int w = 0; w < WORKLOADS; w++) {
                // Segments of two pages, where most writes rotate, and of eight, where torn pages fall between records.
                History h = record(data, new PowerLossStorage(), w % 2 == 0 ? 8192 : 32768, SMALL, w, 40);
                durableChecked += crashAtRandomPoints(h, data, fs.getPath("/crash"), new Random(w), CRASHES_PER_WORKLOAD,
                        "workload " + w);
                crashes += CRASHES_PER_WORKLOAD;
                deleteTree(data);
            }
        }
        System.out.println("power loss: " + crashes + " crash points; at them " + durableChecked
                + " records in all had been acknowledged durable; none lost");
        assertEquals(WORKLOADS * CRASHES_PER_WORKLOAD, crashes);
    }

    /**
     * The same with large payloads written past the page cache, on the machine's own file system, which
     * must take {@code O_DIRECT} (ext4 here and in CI), into segments of 1 MiB: the direct writes rewrite
     * the block that holds the end of the records and leave zeros to the next block's start, and a power
     * loss may keep or lose any of them until an fsync.
     */
    @Test
    void everyDurableRecordSurvivesPowerLossWithLargePayloadsWrittenPastTheCache(@TempDir Path real) throws Exception {
        long durableChecked = 0;
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            for (int w = 0; w < 2; w++) {
                Path data = real.resolve("data-" + w);
                History h = record(data, PowerLossStorage.withDirectWrites(), 1 << 20, LARGE, w, 24);
                long direct = h.ops().stream().filter(op -> op instanceof PowerLossStorage.Write write && write.direct())
                        .count();
                assertTrue(direct >= 5, "only " + direct + " writes went past the page cache; the test directory's"
                        + " file system must take O_DIRECT, as ext4 and xfs do");
                durableChecked += crashAtRandomPoints(h, data, fs.getPath("/crash"), new Random(w), 500,
                        "large payloads, workload " + w);
            }
        }
        System.out.println("power loss with writes past the page cache: 1000 crash points; at them " + durableChecked
                + " records in all had been acknowledged durable; none lost");
    }

    /** Crashes the history at {@code crashes} random points, checking each image; the durable records checked. */
    private static long crashAtRandomPoints(History h, Path data, Path image, Random random, int crashes, String what)
            throws IOException {
        long durableChecked = 0;
        for (int c = 0; c < crashes; c++) {
            int cut = random.nextInt(h.ops().size() + 1);
            Files.createDirectories(image);
            PowerLossStorage.crashImage(h.ops(), cut, data, image, random);
            long durable = durableBefore(h.ops(), cut);
            durableChecked += durable;
            checkImage(image, durable, h, what + ", crash before op " + cut + " of " + h.ops().size());
            deleteTree(image);
        }
        return durableChecked;
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

    private static void checkImage(Path image, long durable, History h, String what) throws IOException {
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
                assertArrayEquals(h.payloads().get(r.seq()), r.payload(), what + ": seq " + r.seq());
            }
            assertEquals(state.lastSeq() + 1, expected, what);
        }
        h.batches().forEach((first, last) -> assertTrue(state.lastSeq() < first || state.lastSeq() >= last,
                what + ": the log ends at seq " + state.lastSeq() + ", inside the batch of seqs " + first + " to "
                        + last));
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
