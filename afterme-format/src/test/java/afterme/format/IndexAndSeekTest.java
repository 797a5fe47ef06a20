package afterme.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sparse index is derived data: rebuilt when missing, stale or damaged; seeks by seq and by time. */
class IndexAndSeekTest {
    private final FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
    private final Path dir = fs.getPath("/log");

    @AfterEach
    void close() throws IOException {
        fs.close();
    }

    /** Two segments of 2,000 records of 400 bytes each, one second apart from seq 1 at t0. */
    private SegmentBuilder[] writeLog(long t0) throws IOException {
        Files.createDirectories(dir);
        SegmentBuilder a = new SegmentBuilder();
        for (int i = 0; i < 2000; i++) {
            a.add(new byte[400], "UTC", null, null, t0 + i);
        }
        a.seal();
        SegmentBuilder b = new SegmentBuilder(a.logId, a.nextSeq(), a.chain());
        for (int i = 0; i < 2000; i++) {
            b.add(new byte[400], "UTC", null, null, t0 + 2000 + i);
        }
        Files.write(dir.resolve(SegmentNames.name(1)), a.bytes());
        Files.write(dir.resolve(SegmentNames.name(2001)), b.bytes());
        return new SegmentBuilder[] {a, b};
    }

    @Test
    void indexIsStoredCheckedAndRebuiltWhenStaleOrDamaged() throws IOException {
        writeLog(1_700_000_000L);
        Path segment = dir.resolve(SegmentNames.name(1));
        assertNull(SparseIndex.load(segment), "no index yet");
        SparseIndex built = SparseIndex.build(segment);
        assertEquals(4, built.entries(), "one entry per 256 KiB of ~1 MiB of records");
        built.store(segment);
        assertNotNull(SparseIndex.load(segment));
        Path index = SegmentNames.indexFor(segment);
        byte[] bytes = Files.readAllBytes(index);
        bytes[30] ^= 1;
        Files.write(index, bytes);
        assertNull(SparseIndex.load(segment), "a damaged index is ignored");
        built.store(segment);
        Files.write(segment, new byte[] {1}, StandardOpenOption.APPEND);
        assertNull(SparseIndex.load(segment), "an index made for another size of the segment is stale");
        assertEquals(4, SparseIndex.loadOrBuild(segment).entries(), "rebuilt from the segment itself");
    }

    /** Readers that find a sealed segment's index missing store it at once (forwarders starting together). */
    @Test
    void storesOfOneIndexAtOnceAllSucceedAndLeaveNoTemporaryFile() throws Exception {
        writeLog(1_700_000_000L);
        Path segment = dir.resolve(SegmentNames.name(1));
        SparseIndex built = SparseIndex.build(segment);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> stores = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                stores.add(pool.submit(() -> {
                    built.store(segment);
                    return null;
                }));
            }
            for (Future<?> store : stores) {
                store.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(built.entries(), SparseIndex.load(segment).entries());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(SegmentNames.indexFor(segment).getFileName().toString(), SegmentNames.name(1),
                    SegmentNames.name(2001)), files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    /** The three ways of reading a record agree on every record, across the rotation, from any seq. */
    @Test
    void keysAndPayloadsInPlaceMatchWholeRecords() throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(5);
        SegmentBuilder a = new SegmentBuilder();
        for (int i = 0; i < 300; i++) {
            byte[] p = new byte[random.nextInt(3000)];
            random.nextBytes(p);
            a.add(p, "UTC", i % 3 == 0 ? "application/json" : null, i % 2 == 0 ? "key-\u00e9-" + i : null, 1_700_000_000L + i);
        }
        a.seal();
        SegmentBuilder b = new SegmentBuilder(a.logId, a.nextSeq(), a.chain());
        b.addText("last", "");
        Files.write(dir.resolve(SegmentNames.name(1)), a.bytes());
        Files.write(dir.resolve(SegmentNames.name(301)), b.bytes());
        for (long from : new long[] {1, 150, 301}) {
            try (LogCursor whole = new LogCursor(dir, from, true); LogCursor keys = new LogCursor(dir, from, true);
                 LogCursor payloads = new LogCursor(dir, from, true)) {
                for (LogRecord r = whole.next(); r != null; r = whole.next()) {
                    RecordKey k = keys.nextKey();
                    assertEquals(r.seq(), k.seq());
                    assertEquals(r.epochNanos(), k.epochNanos());
                    assertEquals(r.idempotencyKey(), k.idempotencyKey() == null ? null
                            : new String(k.idempotencyKey(), StandardCharsets.UTF_8));
                    List<Object> got = new ArrayList<>();
                    assertTrue(payloads.nextPayload((seq, nanos, bytes, offset, length) ->
                            got.addAll(List.of(seq, nanos, Arrays.copyOfRange(bytes, offset, offset + length)))));
                    assertEquals(r.seq(), got.get(0));
                    assertEquals(r.epochNanos(), got.get(1));
                    assertArrayEquals(r.payload(), (byte[]) got.get(2));
                }
                assertNull(keys.nextKey());
                assertFalse(payloads.nextPayload((seq, nanos, bytes, offset, length) -> {
                }));
            }
        }
    }

    @Test
    void cursorSeeksBySeqThroughTheIndexAndChecksWhatItFinds() throws IOException {
        writeLog(1_700_000_000L);
        Path segment = dir.resolve(SegmentNames.name(1));
        SparseIndex.build(segment).store(segment);
        for (long seq : new long[] {1, 2, 999, 2000, 2001, 3500, 4000}) {
            try (LogCursor c = new LogCursor(dir, seq, true)) {
                assertEquals(seq, c.next().seq());
            }
        }
        try (LogCursor c = new LogCursor(dir, 4001, true)) {
            assertNull(c.next(), "past the end: nothing yet");
        }
    }

    @Test
    void timeSeekFindsTheFirstRecordAtOrAfterAnInstant() throws IOException {
        long t0 = 1_700_000_000L;
        writeLog(t0);
        assertEquals(1, TimeSeek.firstSeqAtOrAfter(dir, Instant.ofEpochSecond(0)));
        assertEquals(1, TimeSeek.firstSeqAtOrAfter(dir, Instant.ofEpochSecond(t0)));
        assertEquals(2, TimeSeek.firstSeqAtOrAfter(dir, Instant.ofEpochSecond(t0, 500_000_000)));
        assertEquals(1501, TimeSeek.firstSeqAtOrAfter(dir, Instant.ofEpochSecond(t0 + 1500)));
        assertEquals(3001, TimeSeek.firstSeqAtOrAfter(dir, Instant.ofEpochSecond(t0 + 3000)));
        assertEquals(4001, TimeSeek.firstSeqAtOrAfter(dir, Instant.ofEpochSecond(t0 + 99_999)));
        assertEquals(4001, TimeSeek.firstSeqAtOrAfter(dir, Instant.parse("2999-01-01T00:00:00Z")),
                "past the year 2262, where epoch nanoseconds leave a long");
        assertEquals(1, TimeSeek.firstSeqAtOrAfter(dir, Instant.parse("1000-01-01T00:00:00Z")));
    }

    /** Segments of three records each, ten seconds apart, and after them a segment just started, empty. */
    @Test
    void timeSeekFindsEveryRecordAcrossManySegments() throws IOException {
        long t0 = 1_700_000_000L;
        Files.createDirectories(dir);
        SegmentBuilder b = new SegmentBuilder();
        int segments = 33;
        for (int s = 0; s < segments; s++) {
            for (int i = 0; i < 3; i++) {
                b.add(new byte[10], "UTC", null, null, t0 + 10 * (b.nextSeq() - 1));
            }
            long first = b.nextSeq() - 3;
            Files.write(dir.resolve(SegmentNames.name(first)), b.seal().bytes());
            b = new SegmentBuilder(b.logId, b.nextSeq(), b.chain());
        }
        Files.write(dir.resolve(SegmentNames.name(b.nextSeq())), b.bytes());
        long last = 3L * segments;
        for (long seq = 1; seq <= last; seq++) {
            long t = t0 + 10 * (seq - 1);
            assertEquals(seq, TimeSeek.firstSeqAtOrAfter(dir, Instant.ofEpochSecond(t)), "at seq " + seq + "'s time");
            assertEquals(seq + 1, TimeSeek.firstSeqAtOrAfter(dir, Instant.ofEpochSecond(t + 5)), "after seq " + seq);
        }
        assertEquals(1, TimeSeek.firstSeqAtOrAfter(dir, Instant.ofEpochSecond(t0 - 1)));
    }

    /**
     * The writer publishes the active segment's index as it grows, sharing the builder's entries: a view
     * already published keeps its entries through growth and through a cut (dropFrom) followed by new ones.
     */
    @Test
    void aPublishedIndexKeepsItsEntriesWhileTheBuilderGoesOn() {
        SparseIndex.Builder builder = new SparseIndex.Builder();
        long spacing = SparseIndex.SPACING_BYTES;
        for (int i = 0; i < 3; i++) {
            builder.frame(10 + i, 1000 + i, 128 + i * spacing, 100, false);
        }
        SparseIndex view = builder.finish(1 << 30);
        builder.dropFrom(128 + spacing);
        builder.frame(99, 5000, 128 + spacing, 100, false);
        for (int i = 0; i < 40; i++) {
            builder.frame(100 + i, 6000 + i, 128 + (2 + i) * spacing, 100, false);
        }
        assertEquals(3, view.entries());
        assertEquals(128 + spacing, view.offsetForSeq(11));
        assertEquals(128 + 2 * spacing, view.offsetForSeq(50));
        assertEquals(11, view.seqBeforeTime(1002));
        SparseIndex now = builder.finish(1 << 30);
        assertEquals(42, now.entries());
        assertEquals(128 + spacing, now.offsetForSeq(99));
    }
}
