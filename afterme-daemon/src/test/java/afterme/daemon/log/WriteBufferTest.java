package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.LogCursor;
import afterme.format.LogRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the writer cuts what it has drained into writes ({@link LogWriter#BUFFER_BYTES}). */
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
}
