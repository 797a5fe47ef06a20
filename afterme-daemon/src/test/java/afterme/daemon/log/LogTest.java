package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.DataDirLock;
import afterme.format.LogCursor;
import afterme.format.LogFormatException;
import afterme.format.LogRecord;
import afterme.format.RecordCodec;
import afterme.format.SegmentHeader;
import afterme.format.SegmentNames;
import afterme.format.SegmentScan;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.format.Trailer;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The engine on real files: appends, rotation, reopening, torn tails, locking, concurrency. */
class LogTest {
    @TempDir
    Path dir;

    private LogConfig config() {
        return LogConfig.defaults(dir).withFlush(Duration.ofMillis(5), 1 << 20);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static AppendResult append(Log log, String payload, Ack ack) throws Exception {
        Append a = log.submit(Append.of(bytes(payload), ack));
        return (ack == Ack.DURABLE ? a.durable : a.written).get();
    }

    private List<String> readAll() throws IOException {
        List<String> out = new ArrayList<>();
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (LogRecord r = c.next(); r != null; r = c.next()) {
                out.add(new String(r.payload(), StandardCharsets.UTF_8));
                assertEquals(out.size(), r.seq());
            }
        }
        return out;
    }

    @Test
    void appendsGetContiguousSeqsAndSurviveReopen() throws Exception {
        try (Log log = Log.open(config())) {
            assertEquals(1, append(log, "a", Ack.DURABLE).firstSeq());
            assertEquals(2, append(log, "b", Ack.MEMORY).firstSeq());
            AppendResult batch = log.submit(Append.of(List.of(bytes("c"), bytes("d")), "text/plain", null, -1,
                    Ack.DURABLE)).durable.get();
            assertEquals(3, batch.firstSeq());
            assertEquals(4, batch.lastSeq());
            assertEquals(4, log.durableSeq());
            assertEquals("d", new String(log.read(4).payload(), StandardCharsets.UTF_8));
            assertEquals("text/plain", log.read(3).contentType());
        }
        try (Log log = Log.open(config())) {
            assertEquals(4, log.lastSeq());
            assertEquals(5, append(log, "e", Ack.DURABLE).firstSeq());
        }
        assertEquals(List.of("a", "b", "c", "d", "e"), readAll());
    }

    @Test
    @Timeout(30)
    void aFlushIntervalOfCenturiesIsReadAsNone() throws Exception {
        // 3,000,000 hours: more nanoseconds than a long holds, which stopped the writer at the first write.
        try (Log log = Log.open(config().withFlush(Duration.ofHours(3_000_000), 1 << 20))) {
            assertEquals(1, append(log, "a", Ack.MEMORY).firstSeq());
            assertEquals(2, append(log, "b", Ack.DURABLE).firstSeq());
            assertEquals(2, log.durableSeq());
        }
        assertEquals(List.of("a", "b"), readAll());
    }

    @Test
    @Timeout(30)
    void appendsQueuedWhenTheWriterStopsOnAnUnexpectedErrorAreRefusedNotLeftWaiting() throws Exception {
        GatedStorage storage = GatedStorage.breaking();
        try (Log log = Log.open(config().withFlush(Duration.ofHours(1), 1 << 20).withStorage(storage))) {
            Append first = log.submit(Append.of(bytes("a"), Ack.DURABLE));
            assertTrue(storage.blocked.await(5, TimeUnit.SECONDS), "the writer fsyncs the durable append");
            List<Append> queued = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(log.submit(Append.of(bytes("q" + i), Ack.MEMORY)));
            }
            storage.permits.release();
            assertUnavailable(first.durable);
            // Against a writer that leaves its queue as it stops, these wait for ever.
            for (Append a : queued) {
                assertUnavailable(a.written);
            }
            assertUnavailable(log.submit(Append.of(bytes("later"), Ack.MEMORY)).written);
        }
    }

    private static AppendException assertUnavailable(Future<AppendResult> ack) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> ack.get(5, TimeUnit.SECONDS));
        assertEquals(AppendException.Reason.UNAVAILABLE, ((AppendException) e.getCause()).reason());
        return (AppendException) e.getCause();
    }

    @Test
    @Timeout(30)
    void anActiveSegmentMovedAwayFailsTheAppendsItsFsyncCoveredAndAppendsResumeWhenItIsBack() throws Exception {
        Path segment = dir.resolve(SegmentNames.name(1));
        Path away = dir.resolve("moved-away");
        try (Log log = Log.open(config())) {
            assertEquals(1, append(log, "a", Ack.DURABLE).firstSeq());
            Files.move(segment, away);
            // An fsync checks the path at most every PATH_CHECK_NANOS: the next one after this checks.
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(SyncPipeline.PATH_CHECK_NANOS) + 50);
            // The fsync of the moved file succeeds; acked, "b" would be a record no restart finds.
            AppendException gone = assertUnavailable(log.submit(Append.of(bytes("b"), Ack.DURABLE)).durable);
            assertTrue(gone.getMessage().contains(segment + " is no longer in its directory"), gone.getMessage());
            assertFalse(log.writable());
            assertUnavailable(log.submit(Append.of(bytes("refused"), Ack.MEMORY)).written);
            Files.move(away, segment);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!log.writable() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(log.writable(), "the writer reopens the log once its segment is back");
            assertEquals(2, append(log, "c", Ack.DURABLE).firstSeq());
        }
        assertEquals(List.of("a", "c"), readAll());
        try (Stream<Path> saved = Files.list(dir.resolve("recovered"))) {
            assertEquals(1, saved.count(), "the refused record's bytes are saved, not dropped");
        }
    }

    @Test
    void secondOpenOfTheSameDirectoryIsRefused() throws Exception {
        try (Log log = Log.open(config())) {
            IOException e = assertThrows(DataDirLock.LockedException.class, () -> Log.open(config()));
            assertTrue(e.getMessage().contains("locked by another afterme process"), e.getMessage());
        }
        Log.open(config()).close();
    }

    @Test
    void rotationAtExactBoundaries() throws Exception {
        String zone = ZoneId.systemDefault().getId();
        int record = RecordCodec.encodedLength(RecordCodec.TYPE_MARKED, zone.length(), 0, 0, 100);
        // Room for exactly two records and the trailer: the second fits exactly, the third goes to a new segment.
        long size = SegmentHeader.LENGTH + 2L * record + Trailer.LENGTH;
        try (Log log = Log.open(config().withSegmentSize(size))) {
            for (int i = 0; i < 3; i++) {
                append(log, "x".repeat(100), Ack.DURABLE);
            }
            List<Path> segments = log.segments();
            assertEquals(2, segments.size());
            assertEquals(size, Files.size(segments.get(0)));
            assertEquals(SegmentNames.name(3), segments.get(1).getFileName().toString());
        }
        try (Log log = Log.open(config().withSegmentSize(size - 1))) {
            append(log, "x".repeat(100), Ack.DURABLE);
            append(log, "x".repeat(100), Ack.DURABLE);
            // One byte short of two records: every record now starts a segment of its own.
            assertEquals(List.of(SegmentNames.name(1), SegmentNames.name(3), SegmentNames.name(4),
                            SegmentNames.name(5)),
                    log.segments().stream().map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(5, readAll().size());
        SegmentScan sealed = SegmentScanner.scan(dir.resolve(SegmentNames.name(1)), true);
        assertEquals(SegmentScan.End.SEALED, sealed.end());
    }

    @Test
    void aMissingIndexOfASealedSegmentIsRebuiltOnFirstRead() throws Exception {
        try (Log log = Log.open(config().withSegmentSize(64 * 1024))) {
            for (int i = 0; i < 400; i++) {
                append(log, "record " + i + " " + "p".repeat(500), Ack.MEMORY);
            }
            Path first = log.segments().get(0);
            Path index = SegmentNames.indexFor(first);
            assertTrue(Files.exists(index), "sealing stores the index");
            Files.delete(index);
            assertEquals("record 100 " + "p".repeat(500), new String(log.read(101).payload(), StandardCharsets.UTF_8));
            assertTrue(Files.exists(index), "rebuilt and stored again");
        }
    }

    @Test
    void tornTailIsCutAtOpenAndSavedUnderRecovered() throws Exception {
        // Jimfs: hundreds of reopen cycles; the fsync behaviour is not what this test is about.
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            tornTailCycle(fs.getPath("/data"));
        }
    }

    private void tornTailCycle(Path dir) throws Exception {
        LogConfig config = LogConfig.defaults(dir);
        try (Log log = Log.open(config)) {
            for (int i = 1; i <= 6; i++) {
                append(log, "record-" + i + "-" + "p".repeat(i * 10), Ack.DURABLE);
            }
        }
        Path segment = dir.resolve(SegmentNames.name(1));
        List<Long> ends = new ArrayList<>();
        SegmentScanner.scan(segment, true, null, (seq, nanos, offset, length, goesOn) -> ends.add(offset + length));
        // The records without the fill that follows them.
        byte[] full = Arrays.copyOf(Files.readAllBytes(segment), ends.get(ends.size() - 1).intValue());
        long fromOffset = ends.get(2);
        for (long cut = fromOffset; cut < full.length; cut++) {
            long keep = cut;
            long expectedEnd = Stream.concat(Stream.of((long) SegmentHeader.LENGTH), ends.stream())
                    .filter(e -> e <= keep).max(Long::compare).orElseThrow();
            // A write torn at the end of the file, or torn inside the fill written ahead of it.
            for (int fill : new int[] {0, 4096}) {
                byte[] torn = new byte[(int) cut + fill];
                System.arraycopy(full, 0, torn, 0, (int) cut);
                Files.write(segment, torn);
                deleteRecovered(dir);
                try (Log log = Log.open(config)) {
                    assertEquals(ends.indexOf(expectedEnd) + 1, log.lastSeq(), "cut at " + cut + ", fill " + fill);
                    if (expectedEnd < cut) {
                        assertEquals(1, log.repairs().size());
                        byte[] saved = Files.readAllBytes(log.repairs().get(0));
                        assertArrayEquals(Arrays.copyOfRange(torn, (int) expectedEnd, torn.length), saved);
                    } else {
                        assertEquals(0, log.repairs().size());
                    }
                }
                assertEquals(expectedEnd < cut ? expectedEnd : torn.length, Files.size(segment),
                        "cut at " + cut + ", fill " + fill);
            }
        }
    }

    /**
     * What README.md says of a batch a crash cuts short: start-up cuts it whole, wherever the crash stopped
     * its bytes (between its records or inside one), saving them first; and a retry with its key appends
     * the whole batch, where a batch that reached the file whole is answered as a duplicate.
     */
    @Test
    void aBatchCutShortByACrashIsCutWholeAndItsRetryAppendsItWhole() throws Exception {
        List<byte[]> batch = List.of(bytes("{\"n\":1}"), bytes("{\"n\":2}"), bytes("{\"n\":3}"));
        try (Log log = Log.open(config())) {
            append(log, "alone", Ack.DURABLE);
            AppendResult whole = log.submit(Append.of(batch, null, "tx-1", -1, Ack.DURABLE, true)).durable.get();
            assertEquals(List.of(2L, 4L), List.of(whole.firstSeq(), whole.lastSeq()));
        }
        Path segment = dir.resolve(SegmentNames.name(1));
        List<Long> ends = new ArrayList<>();
        SegmentScanner.scan(segment, true, null, (seq, nanos, offset, length, goesOn) -> ends.add(offset + length));
        byte[] written = Files.readAllBytes(segment);
        long batchAt = ends.get(0);
        for (long cut : new long[] {ends.get(1), ends.get(2), ends.get(1) - 7, ends.get(2) + 40, ends.get(3) - 1}) {
            Files.write(segment, Arrays.copyOf(written, (int) cut));
            deleteRecovered(dir);
            try (Log log = Log.open(config())) {
                assertEquals(1, log.lastSeq(), "cut at " + cut + ": no record of the batch is left");
                assertEquals(batchAt, Files.size(segment), "cut at " + cut);
                AppendResult retry = log.submit(Append.of(batch, null, "tx-1", -1, Ack.DURABLE, true)).durable.get();
                assertFalse(retry.duplicate(), "cut at " + cut);
                assertEquals(List.of(2L, 4L), List.of(retry.firstSeq(), retry.lastSeq()), "cut at " + cut);
            }
            try (Stream<Path> saved = Files.list(dir.resolve("recovered"))) {
                assertEquals(1, saved.count(), "cut at " + cut + ": the batch's bytes are saved");
            }
        }
        try (Log log = Log.open(config())) {
            AppendResult retry = log.submit(Append.of(batch, null, "tx-1", -1, Ack.DURABLE, true)).durable.get();
            assertTrue(retry.duplicate());
            assertEquals(List.of(2L, 4L), List.of(retry.firstSeq(), retry.lastSeq()));
        }
    }

    @Test
    void aTornTailWhoseBackupDirectoryIsAFileIsLeftAsItIsAndTheFileNamed() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path dir = fs.getPath("/data");
            try (Log log = Log.open(LogConfig.defaults(dir))) {
                append(log, "whole", Ack.DURABLE);
            }
            Path segment = dir.resolve(SegmentNames.name(1));
            byte[] records = Files.readAllBytes(segment);
            Files.write(segment, "half a record".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
            byte[] torn = Files.readAllBytes(segment);
            Files.writeString(dir.resolve("recovered"), "someone's notes");
            IOException e = assertThrows(IOException.class, () -> Log.open(LogConfig.defaults(dir)));
            assertTrue(e.getMessage().contains("/data/recovered is not a directory, and the bytes cut from "
                    + SegmentNames.name(1) + " are kept there"), e.getMessage());
            assertArrayEquals(torn, Files.readAllBytes(segment), "nothing is cut that cannot be saved");
            assertTrue(torn.length > records.length);
        }
    }

    private static void deleteRecovered(Path dir) throws IOException {
        Path recovered = dir.resolve("recovered");
        if (Files.exists(recovered)) {
            try (Stream<Path> files = Files.list(recovered)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    @Test
    void corruptionInTheMiddleRefusesToOpen() throws Exception {
        try (Log log = Log.open(config())) {
            for (int i = 0; i < 5; i++) {
                append(log, "record " + i, Ack.DURABLE);
            }
        }
        Path segment = dir.resolve(SegmentNames.name(1));
        // Flipped, not overwritten: the byte there is a hash's, and writing a constant would leave it as it
        // was one time in 256.
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, SegmentHeader.LENGTH + 90);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) ~one.get(0)}), SegmentHeader.LENGTH + 90);
        }
        LogFormatException e = assertThrows(LogFormatException.class, () -> Log.open(config()));
        assertTrue(e.getMessage().contains("afterme verify") && e.getMessage().contains("afterme recover"),
                e.getMessage());
        assertEquals(1, e.problem().seq());
    }

    @Test
    void expectedLastSeqAndIdempotencyAreExactAndSurviveRestart() throws Exception {
        try (Log log = Log.open(config())) {
            AppendResult first = log.submit(Append.of(List.of(bytes("a")), null, "key-1", 0, Ack.DURABLE)).durable.get();
            AppendResult again = log.submit(Append.of(List.of(bytes("a")), null, "key-1", 0, Ack.DURABLE)).durable.get();
            assertTrue(again.duplicate());
            assertEquals(first.firstSeq(), again.firstSeq());
            ExecutionException conflict = assertThrows(ExecutionException.class,
                    () -> log.submit(Append.of(List.of(bytes("b")), null, null, 0, Ack.MEMORY)).written.get());
            AppendException cause = (AppendException) conflict.getCause();
            assertEquals(AppendException.Reason.CONFLICT, cause.reason());
            assertEquals(1, cause.lastSeq());
            log.submit(Append.of(List.of(bytes("b"), bytes("c")), null, "batch-key", 1, Ack.DURABLE)).durable.get();
        }
        try (Log log = Log.open(config())) {
            AppendResult dup = log.submit(Append.of(List.of(bytes("b"), bytes("c")), null, "batch-key", -1,
                    Ack.MEMORY)).written.get();
            assertTrue(dup.duplicate());
            assertEquals(2, dup.firstSeq());
            assertEquals(3, dup.lastSeq());
            assertEquals(3, log.lastSeq());
        }
    }

    @Test
    void sixteenThreadsGetContiguousSeqsForTheirOwnPayloads() throws Exception {
        int threads = 16;
        int each = 10_000;
        ConcurrentLinkedQueue<Long> durableSeqs = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> early = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        try (Log log = Log.open(config())) {
            log.addListener(new LogListener() {
                @Override
                public void written(long lastSeq) {
                }

                @Override
                public void durable(long durableSeq) {
                    durableSeqs.add(durableSeq);
                }
            });
            for (int t = 0; t < threads; t++) {
                int id = t;
                workers.add(new Thread(() -> {
                    try {
                        List<Append> pending = new ArrayList<>();
                        for (int i = 0; i < each; i++) {
                            Ack ack = i % 3 == 0 ? Ack.DURABLE : Ack.MEMORY;
                            Append a = log.submit(Append.of(bytes(id + ":" + i), ack));
                            expectedPayloads.put(a, bytes(id + ":" + i));
                            a.durable.thenAccept(r -> {
                                if (log.durableSeq() < r.lastSeq()) {
                                    early.add("seq " + r.lastSeq() + " completed at durable_seq " + log.durableSeq());
                                }
                            });
                            pending.add(a);
                            if (pending.size() == 64) {
                                check(log, pending);
                            }
                        }
                        check(log, pending);
                    } catch (Throwable e) {
                        synchronized (errors) {
                            errors.add(e);
                        }
                    }
                }));
            }
            workers.forEach(Thread::start);
            for (Thread w : workers) {
                w.join();
            }
            assertEquals(List.of(), errors);
            assertEquals((long) threads * each, log.lastSeq());
        }
        List<String> all = readAll();
        assertEquals(threads * each, all.size());
        // Durable completions follow durable_seq, which only grows: they come in seq order.
        assertEquals(List.of(), new ArrayList<>(early));
        List<Long> order = new ArrayList<>(durableSeqs);
        for (int i = 1; i < order.size(); i++) {
            assertTrue(order.get(i - 1) < order.get(i), "durable_seq went backwards at " + i);
        }
        assertEquals((long) threads * each, order.get(order.size() - 1));
    }

    private final Map<Append, byte[]> expectedPayloads = new ConcurrentHashMap<>();

    private void check(Log log, List<Append> pending) throws Exception {
        for (Append a : pending) {
            AppendResult r = a.written.get();
            byte[] expected = expectedPayloads.remove(a);
            // Reading every record back costs time; sample one in 256.
            if (r.firstSeq() % 256 == 0) {
                assertArrayEquals(expected, log.read(r.firstSeq()).payload());
            }
        }
        for (Append a : pending) {
            a.durable.get();
        }
        pending.clear();
    }
}
