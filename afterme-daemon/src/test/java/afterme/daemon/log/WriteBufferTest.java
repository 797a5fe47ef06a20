package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.Hashes;
import afterme.format.LogCursor;
import afterme.format.LogRecord;
import afterme.format.LogVerifier;
import afterme.format.Segments;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the writer cuts what it has drained into writes ({@link LogWriter#BUFFER_BYTES}), and what it
 * writes from where it lies ({@link StagedWrite}).
 */
class WriteBufferTest {
    private static final int PAYLOAD = 300 << 10;

    @TempDir
    Path dir;

    /** Records the size of every large write, and holds the first one until it is let go. */
    private static final class RecordingStorage extends ChannelWrappingStorage {
        final ConcurrentLinkedQueue<Integer> largeWrites = new ConcurrentLinkedQueue<>();
        final CountDownLatch firstLargeWrite = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);

        @Override
        protected FileChannel wrap(FileChannel channel) {
            return new DelegatingFileChannel(channel) {
                @Override
                public int write(ByteBuffer src, long position) throws IOException {
                    if (src.remaining() >= PAYLOAD) {
                        largeWrites.add(src.remaining());
                        firstLargeWrite.countDown();
                        try {
                            letGo.await();
                        } catch (InterruptedException e) {
                            throw new IOException(e);
                        }
                    }
                    return inner.write(src, position);
                }
            };
        }
    }

    private static byte[] payload(int n) {
        byte[] b = new byte[PAYLOAD];
        Arrays.fill(b, (byte) n);
        return b;
    }

    @Test
    void appendsDrainedTogetherAreCutIntoWritesOfTheBufferSizeAndALargerAppendGoesAlone() throws Exception {
        RecordingStorage storage = new RecordingStorage();
        List<byte[]> expected = new ArrayList<>();
        try (Log log = Log.open(LogConfig.defaults(dir).withFlush(Duration.ofMillis(5), 1 << 20)
                .withStorage(storage))) {
            // One append of 8 records, 2.4 MiB: larger than the buffer, so it is written alone, in a buffer
            // grown to fit it. Its write is held while six more appends queue up behind it.
            List<byte[]> big = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                big.add(payload(i));
            }
            expected.addAll(big);
            Append first = log.submit(Append.of(big, null, null, -1, Ack.MEMORY));
            assertTrue(storage.firstLargeWrite.await(10, TimeUnit.SECONDS));
            List<Append> queued = new ArrayList<>();
            for (int i = 8; i < 14; i++) {
                expected.add(payload(i));
                queued.add(log.submit(Append.of(payload(i), Ack.MEMORY)));
            }
            storage.letGo.countDown();
            assertEquals(8, first.written.get(10, TimeUnit.SECONDS).lastSeq());
            for (int i = 0; i < queued.size(); i++) {
                assertEquals(9 + i, queued.get(i).written.get(10, TimeUnit.SECONDS).firstSeq());
            }
        }

        List<Integer> writes = new ArrayList<>(storage.largeWrites);
        assertTrue(writes.get(0) > 8 * PAYLOAD, "the 8-record append went alone: " + writes);
        List<Integer> rest = writes.subList(1, writes.size());
        // All six were queued before the first write returned, so they are drained together and cut where
        // the next would pass the buffer: three a write.
        assertEquals(2, rest.size(), "the six 1.8 MiB cut into two writes: " + writes);
        for (int w : rest) {
            assertTrue(w > 3 * PAYLOAD && w <= LogWriter.BUFFER_BYTES, "a write of " + w + " bytes, not three"
                    + " appends within the buffer's " + LogWriter.BUFFER_BYTES + ": " + writes);
        }

        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (byte[] want : expected) {
                LogRecord r = c.next();
                assertArrayEquals(want, r.payload(), "seq " + r.seq());
            }
            assertEquals(null, c.next());
        }
    }

    /** Holds the first write until it is let go, and records every gathering write: its buffers and bytes. */
    private static final class GatheringStorage extends ChannelWrappingStorage {
        final ConcurrentLinkedQueue<long[]> gathered = new ConcurrentLinkedQueue<>();
        final CountDownLatch firstWrite = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);
        private volatile boolean holding = true;

        @Override
        protected FileChannel wrap(FileChannel channel) {
            return new DelegatingFileChannel(channel) {
                @Override
                public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
                    long bytes = 0;
                    for (int i = offset; i < offset + length; i++) {
                        bytes += srcs[i].remaining();
                    }
                    gathered.add(new long[] {length, bytes});
                    return inner.write(srcs, offset, length);
                }
            };
        }

        /** A listener that holds the writer after its first write until {@link #letGo} is counted down. */
        LogListener holdingFirstWrite() {
            return new LogListener() {
                @Override
                public void written(long lastSeq) {
                    GatheringStorage.this.written();
                }

                @Override
                public void durable(long durableSeq) {
                }
            };
        }

        /** Called on the writer thread by the listener of each write. */
        private void written() {
            if (holding) {
                holding = false;
                firstWrite.countDown();
                try {
                    letGo.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Test
    void largePayloadsInDirectPiecesGoOutFromTheirPiecesInOneWriteWithTheRecordsAroundThem() throws Exception {
        GatheringStorage storage = new GatheringStorage();
        byte[] small = "small".getBytes(StandardCharsets.US_ASCII);
        byte[] large = new byte[StagedWrite.IN_PLACE_BYTES + 5];
        new Random(3).nextBytes(large);
        byte[] largest = new byte[200_000];
        new Random(4).nextBytes(largest);
        ByteBuffer[] largePieces = FaultInjectionTest.directPieces(large, 1);
        ByteBuffer[] largestPieces = FaultInjectionTest.directPieces(largest, 3);
        try (Log log = Log.open(LogConfig.defaults(dir).withStorage(storage))) {
            log.addListener(storage.holdingFirstWrite());
            Append first = log.submit(Append.of(small, Ack.MEMORY));
            assertTrue(storage.firstWrite.await(10, TimeUnit.SECONDS));
            List<Append> queued = List.of(
                    log.submit(Append.of(small, Ack.MEMORY)),
                    log.submit(Append.of(largePieces, Hashes.sha256(large), null, null, -1, Ack.MEMORY)),
                    log.submit(Append.of(small, Ack.MEMORY)),
                    log.submit(Append.of(largestPieces, Hashes.sha256(largest), null, null, -1,
                            Ack.DURABLE)),
                    log.submit(Append.of(small, Ack.MEMORY)));
            storage.letGo.countDown();
            first.written.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < queued.size(); i++) {
                assertEquals(2 + i, queued.get(i).written.get(10, TimeUnit.SECONDS).firstSeq());
            }
            queued.get(3).durable.get(10, TimeUnit.SECONDS);
        }
        List<long[]> writes = new ArrayList<>(storage.gathered);
        assertEquals(1, writes.size(), "the five queued appends went out in one gathering write");
        // The small record and the large one's head, the large payload, the next small record and the
        // largest one's head, its three pieces, the last small record.
        assertEquals(7, writes.get(0)[0]);
        assertTrue(writes.get(0)[1] > large.length + largest.length);
        for (ByteBuffer piece : largestPieces) {
            assertEquals(3, piece.position(), "the pieces are read, not moved");
        }

        try (LogCursor c = new LogCursor(dir, 1, true)) {
            for (byte[] want : List.of(small, small, large, small, largest, small)) {
                LogRecord r = c.next();
                assertArrayEquals(want, r.payload(), "seq " + r.seq());
                assertArrayEquals(Hashes.sha256(want), r.sha256(), "seq " + r.seq());
            }
            assertEquals(null, c.next());
        }
        assertTrue(LogVerifier.verify(Segments.list(dir), true).clean());
    }

    @Test
    void largePayloadsWrittenFromTheirPiecesGoOutUpToAChunkAWriteNotABuffer() throws Exception {
        GatheringStorage storage = new GatheringStorage();
        int size = 700 << 10;
        List<byte[]> payloads = new ArrayList<>();
        try (Log log = Log.open(LogConfig.defaults(dir).withStorage(storage))) {
            log.addListener(storage.holdingFirstWrite());
            Append first = log.submit(Append.of(new byte[] {1}, Ack.MEMORY));
            assertTrue(storage.firstWrite.await(10, TimeUnit.SECONDS));
            List<Append> queued = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                byte[] payload = new byte[size];
                new Random(i).nextBytes(payload);
                payloads.add(payload);
                queued.add(log.submit(Append.of(FaultInjectionTest.directPieces(payload, 2), Hashes.sha256(payload),
                        null, null, -1, Ack.MEMORY)));
            }
            storage.letGo.countDown();
            first.written.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < queued.size(); i++) {
                assertEquals(2 + i, queued.get(i).written.get(10, TimeUnit.SECONDS).firstSeq());
            }
        }
        // Six of 700 KiB were queued together: five fit the 4 MiB a write carries in place, where each
        // would have passed the 1 MiB buffer with the one before it.
        List<Long> bytes = new ArrayList<>();
        for (long[] w : storage.gathered) {
            if (w[1] >= size) {
                bytes.add(w[1]);
            }
        }
        assertEquals(2, bytes.size(), "the six 700 KiB appends went out in two writes: " + bytes);
        assertTrue(bytes.get(0) > 5L * size && bytes.get(0) <= StagedWrite.IN_PLACE_WRITE_BYTES, "first: " + bytes);
        assertTrue(bytes.get(1) > size && bytes.get(1) < 2L * size, "second: " + bytes);
        try (LogCursor c = new LogCursor(dir, 2, true)) {
            for (byte[] want : payloads) {
                assertArrayEquals(want, c.next().payload());
            }
            assertEquals(null, c.next());
        }
    }
}
