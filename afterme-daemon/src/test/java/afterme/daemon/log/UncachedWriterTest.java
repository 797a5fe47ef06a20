package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.SaidLines;
import afterme.format.LogCursor;
import afterme.format.LogRecord;
import afterme.format.LogVerifier;
import afterme.format.Segments;
import afterme.format.Storage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes past the page cache ({@link UncachedWriter}) on the machine's own file system, which must take
 * {@code O_DIRECT} (ext4 and xfs do; tmpfs does not): the bytes land where a cached write would put them,
 * the block's bytes before them are put back as they were, and what follows them up to the block's end is
 * zeros.
 */
class UncachedWriterTest {
    @TempDir
    Path dir;
    private Path segment;

    private final Random random = new Random(11);

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static FileChannel direct(Path file) throws IOException {
        FileChannel direct = Storage.DEFAULT.openDirect(file);
        assertNotNull(direct, "the test directory's file system must take O_DIRECT writes, as ext4 and xfs do");
        return direct;
    }

    @Test
    void writesLandWhereCachedOnesWouldWithZerosUpToTheBlocksEnd() throws Exception {
        segment = dir.resolve("segment");
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (FileChannel cached = FileChannel.open(segment, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE); FileChannel direct = direct(segment)) {
            UncachedWriter writer = UncachedWriter.forDirectory(dir);
            assertNotNull(writer);
            cached(cached, expected, bytes(123));
            // A heap part and a direct one that starts past bytes of its own, from an unaligned end.
            uncached(writer, direct, cached, expected, ByteBuffer.wrap(bytes(10)), piece(bytes(70_000)));
            // From where the last write ended: its partial block comes from the writer, not the file.
            uncached(writer, direct, cached, expected, piece(bytes(4096)));
            // After a cached write: the partial block is read back through the cache.
            cached(cached, expected, bytes(500));
            uncached(writer, direct, cached, expected, piece(bytes(200_000)), ByteBuffer.wrap(bytes(7)));
            // Larger than a chunk: written in several.
            uncached(writer, direct, cached, expected, piece(bytes(UncachedWriter.CHUNK_BYTES * 2 + 1234)));
            // A new writer knows nothing of the last write, and reads the block's start from the file.
            uncached(UncachedWriter.forDirectory(dir), direct, cached, expected, piece(bytes(65_536)));
            // From a block boundary: nothing to put back.
            int toBoundary = (int) (UncachedWriter.forDirectory(dir).blockEnd(expected.size()) - expected.size());
            cached(cached, expected, bytes(toBoundary));
            uncached(writer, direct, cached, expected, piece(bytes(100_000)));
        }
    }

    /** A write to a channel opened for {@code O_DIRECT}, in a test's own way. */
    @FunctionalInterface
    private interface DirectWrite {
        int write(FileChannel inner, ByteBuffer src, long position) throws IOException;
    }

    /** The default storage, whose channels opened for {@code O_DIRECT} write by {@code write}. */
    private static Storage withDirectWrites(DirectWrite write) {
        return withDirectWrites(write, Storage.DEFAULT::usableSpace);
    }

    /** The room a file system says it has left. */
    @FunctionalInterface
    private interface UsableSpace {
        long of(Path dir) throws IOException;
    }

    /** As {@link #withDirectWrites(DirectWrite)}, with the room left as {@code space} says. */
    private static Storage withDirectWrites(DirectWrite write, UsableSpace space) {
        return new ChannelWrappingStorage() {
            @Override
            public long usableSpace(Path d) throws IOException {
                return space.of(d);
            }

            @Override
            protected FileChannel wrap(FileChannel channel) {
                return channel;
            }

            @Override
            public FileChannel openDirect(Path f) throws IOException {
                return new DelegatingFileChannel(direct(f)) {
                    @Override
                    public int write(ByteBuffer src, long position) throws IOException {
                        return write.write(inner, src, position);
                    }
                };
            }
        };
    }

    /** The default storage, adding what its channels opened for {@code O_DIRECT} write to {@code bytes}. */
    private static Storage countingDirectBytes(AtomicLong bytes) {
        return withDirectWrites((inner, src, position) -> {
            bytes.addAndGet(src.remaining());
            return inner.write(src, position);
        });
    }

    /** A direct buffer holding {@code payload} after three bytes that are not its own. */
    private static ByteBuffer piece(byte[] payload) {
        return FaultInjectionTest.directPieces(payload, 1)[0];
    }

    private static void cached(FileChannel cached, ByteArrayOutputStream expected, byte[] b) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(b);
        long at = expected.size();
        while (src.hasRemaining()) {
            at += cached.write(src, at);
        }
        expected.writeBytes(b);
    }

    private void uncached(UncachedWriter writer, FileChannel direct, FileChannel cached,
                                 ByteArrayOutputStream expected, ByteBuffer... parts) throws IOException {
        int[] positions = Arrays.stream(parts).mapToInt(ByteBuffer::position).toArray();
        long end = expected.size();
        long wroteTo = writer.write(direct, cached, parts, end);
        for (int i = 0; i < parts.length; i++) {
            assertEquals(positions[i], parts[i].position(), "the parts are read, not moved");
            byte[] b = new byte[parts[i].remaining()];
            parts[i].duplicate().get(b);
            expected.writeBytes(b);
        }
        assertEquals(writer.blockEnd(expected.size()), wroteTo, "the write ends at the block's end after the parts");
        assertEquals(0, wroteTo % 512);
        byte[] file = Files.readAllBytes(segment);
        byte[] want = expected.toByteArray();
        assertArrayEquals(want, Arrays.copyOf(file, want.length), "the file's bytes up to the end of the parts");
        assertTrue(file.length >= wroteTo);
        for (long i = want.length; i < wroteTo; i++) {
            assertEquals(0, file[(int) i], "byte " + i + " after the parts");
        }
    }

    /**
     * Through the log, large payloads mixed with small ones, durable and not, across segments and a
     * restart: the writes that hold large payloads go past the cache, and every record reads back.
     */
    @Test
    void aLogWhoseLargePayloadsGoPastTheCacheReadsBackWholeAcrossSegmentsAndARestart() throws Exception {
        AtomicLong uncachedBytes = new AtomicLong();
        Storage counting = countingDirectBytes(uncachedBytes);
        List<byte[]> payloads = new ArrayList<>();
        long largeBytes = 0;
        for (int run = 0; run < 2; run++) {
            try (Log log = Log.open(LogConfig.defaults(dir).withSegmentSize(2 << 20).withStorage(counting))) {
                List<Append> appends = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    boolean large = random.nextInt(3) > 0;
                    byte[] payload = bytes(large ? StagedWrite.IN_PLACE_BYTES + random.nextInt(500_000)
                            : 1 + random.nextInt(3000));
                    Ack ack = random.nextBoolean() ? Ack.DURABLE : Ack.MEMORY;
                    payloads.add(payload);
                    largeBytes += large ? payload.length : 0;
                    appends.add(log.submit(large ? FaultInjectionTest.inPlaceAppend(payload, 1 + i % 3, ack)
                            : Append.of(payload, ack)));
                }
                for (Append a : appends) {
                    (a.durableAck ? a.durable : a.written).get();
                }
            }
        }
        // Bytes, not writes: how many writes carry them depends on how appends queue up together. A write
        // that would end past the fill's limit, at a segment's end, goes through the cache.
        assertTrue(uncachedBytes.get() >= largeBytes * 3 / 4,
                "bytes past the cache: " + uncachedBytes.get() + " of the large payloads' " + largeBytes);
        assertTrue(Segments.list(dir).size() > 3, "segments: " + Segments.list(dir).size());
        assertTrue(LogVerifier.verify(Segments.list(dir), true).clean());
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (int i = 0; i < payloads.size(); i++) {
                LogRecord r = c.next();
                assertEquals(i + 1, r.seq());
                assertArrayEquals(payloads.get(i), r.payload(), "seq " + r.seq());
            }
            assertEquals(null, c.next());
        }
    }

    /**
     * While a reader follows the head, large payloads are written through the page cache, where it will
     * read them; once the last lets go, past it again.
     */
    @Test
    void largePayloadsGoThroughTheCacheWhileAReaderFollowsTheHead() throws Exception {
        AtomicLong uncachedBytes = new AtomicLong();
        Storage counting = countingDirectBytes(uncachedBytes);
        byte[] payload = bytes(StagedWrite.IN_PLACE_BYTES + 5000);
        try (Log log = Log.open(LogConfig.defaults(dir).withStorage(counting))) {
            HeadFollowers.Following first = log.follow();
            HeadFollowers.Following second = log.follow();
            log.submit(FaultInjectionTest.inPlaceAppend(payload, 2, Ack.DURABLE)).durable.get();
            first.close();
            first.close();
            assertEquals(1, log.followers(), "closing one handle twice lets go of one follower");
            log.submit(FaultInjectionTest.inPlaceAppend(payload, 2, Ack.DURABLE)).durable.get();
            assertEquals(0, uncachedBytes.get(), "writes past the cache while readers follow the head");
            second.close();
            assertEquals(0, log.followers());
            log.submit(FaultInjectionTest.inPlaceAppend(payload, 2, Ack.DURABLE)).durable.get();
            assertTrue(uncachedBytes.get() > 0, "no write past the cache once nobody follows");
        }
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(payload, c.next().payload());
            }
            assertEquals(null, c.next());
        }
    }

    /**
     * A full disk refuses a write past the cache as it would refuse one through it: it is no reason to stop
     * writing past the cache, and once there is room again large payloads go past it.
     */
    @Test
    void aFullDiskDoesNotStopWritesPastTheCache() throws Exception {
        AtomicBoolean full = new AtomicBoolean(true);
        AtomicLong uncachedBytes = new AtomicLong();
        Storage filling = withDirectWrites((inner, src, position) -> {
            if (full.get()) {
                throw new IOException("No space left on device");
            }
            uncachedBytes.addAndGet(src.remaining());
            return inner.write(src, position);
        }, d -> full.get() ? 0 : Storage.DEFAULT.usableSpace(d));
        byte[] payload = bytes(StagedWrite.IN_PLACE_BYTES + 1000);
        try (SaidLines said = SaidLines.of(ActiveSegment.class);
             Log log = Log.open(LogConfig.defaults(dir).withStorage(filling))) {
            Append refused = log.submit(FaultInjectionTest.inPlaceAppend(payload, 2, Ack.DURABLE));
            ExecutionException e = assertThrows(ExecutionException.class, refused.durable::get);
            assertEquals(AppendException.Reason.NO_SPACE, ((AppendException) e.getCause()).reason());
            full.set(false);
            FaultInjectionTest.waitUntilWritable(log);
            log.submit(FaultInjectionTest.inPlaceAppend(payload, 2, Ack.DURABLE)).durable.get();
            assertTrue(uncachedBytes.get() >= payload.length, "past the cache once there is room: " + uncachedBytes);
            assertEquals(List.of(), said.lines(), "nothing said of giving up writes past the cache");
        }
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            assertArrayEquals(payload, c.next().payload());
            assertEquals(null, c.next());
        }
    }

    /**
     * A file system that opens files for {@code O_DIRECT} and then refuses the writes: the append that met
     * the refusal fails, and the segment's next large appends go through the cache.
     */
    @Test
    void aFileSystemThatRefusesDirectWritesCostsOneAppendAndTheRestGoThroughTheCache() throws Exception {
        AtomicInteger refused = new AtomicInteger();
        Storage refusing = withDirectWrites((inner, src, position) -> {
            refused.incrementAndGet();
            throw new IOException("Invalid argument");
        });
        List<byte[]> written = new ArrayList<>();
        int failed = 0;
        try (Log log = Log.open(LogConfig.defaults(dir).withStorage(refusing))) {
            for (int i = 0; i < 5; i++) {
                byte[] payload = bytes(StagedWrite.IN_PLACE_BYTES + 1000 * i);
                Append a = log.submit(FaultInjectionTest.inPlaceAppend(payload, 2, Ack.DURABLE));
                try {
                    a.durable.get();
                    written.add(payload);
                } catch (ExecutionException e) {
                    failed++;
                    FaultInjectionTest.waitUntilWritable(log);
                }
            }
        }
        assertEquals(1, refused.get(), "direct writes tried");
        assertEquals(1, failed);
        assertTrue(LogVerifier.verify(Segments.list(dir), true).clean());
        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (byte[] want : written) {
                assertArrayEquals(want, c.next().payload());
            }
            assertEquals(null, c.next());
        }
    }
}
