package afterme.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The parallel walk of verify must find exactly what the sequential walk finds: same end, same counts,
 * same chain head, same problems, whether the segment is clean, sealed, torn or damaged anywhere.
 */
class ParallelVerifyTest {
    /** Small segments, split like large ones, so that every case stays fast. */
    private static final long MIN_BYTES = 256 * 1024;

    @Test
    void parallelAndSequentialWalksAgreeOnLargeSegments() throws IOException {
        SegmentBuilder b = new SegmentBuilder();
        Random random = new Random(3);
        while (b.bytes().length < MIN_BYTES * 4) {
            byte[] p = new byte[200 + random.nextInt(600)];
            random.nextBytes(p);
            b.add(p);
        }
        byte[] clean = b.bytes();
        byte[] sealed = b.seal().bytes();
        int n = b.offsets.size();
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path file = fs.getPath("/" + SegmentNames.name(1));
            compare(file, clean, "clean");
            compare(file, sealed, "sealed");
            compare(file, Arrays.copyOf(clean, clean.length - 100), "torn tail");
            for (int record : damageAt(b, clean.length, n)) {
                int at = b.offsets.get(record).intValue();
                byte[] flipped = clean.clone();
                flipped[at + 150] ^= 4;
                compare(file, flipped, "bit flip in record " + record);
                byte[] resealed = clean.clone();
                resealed[at + 30] ^= 1;
                int length = ByteBuffer.wrap(resealed).getInt(at + 8);
                CRC32C crc = new CRC32C();
                crc.update(resealed, at + 8, length - 8);
                ByteBuffer.wrap(resealed).putInt(at + 4, (int) crc.getValue());
                compare(file, resealed, "chain break at record " + record);
            }
        }
    }

    /**
     * Pieces start at the first whole frame after each third of the file; a payload that carries whole
     * frames puts fake ones there. The walk must still agree with the sequential one, clean or damaged.
     */
    @Test
    void framesInsidePayloadsDoNotFoolThePieces() throws IOException {
        SegmentBuilder inner = new SegmentBuilder(new UUID(3, 4), 1, new byte[32]);
        for (int i = 0; i < 40; i++) {
            inner.add(new byte[100 + i]);
        }
        byte[] frames = Arrays.copyOfRange(inner.bytes(), SegmentHeader.LENGTH, inner.bytes().length);
        SegmentBuilder b = new SegmentBuilder();
        while (b.bytes().length < MIN_BYTES * 4) {
            b.add(frames);
        }
        byte[] clean = b.bytes();
        int n = b.offsets.size();
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path file = fs.getPath("/" + SegmentNames.name(1));
            compare(file, clean, "payloads of frames");
            for (int record : damageAt(b, clean.length, n)) {
                byte[] flipped = clean.clone();
                flipped[b.offsets.get(record).intValue() + 40] ^= 8;
                compare(file, flipped, "payloads of frames, hash flipped in record " + record);
            }
        }
    }

    /**
     * Batches of every size, one of them spanning more than a piece: the parallel walk must find where the
     * last batch ends as the sequential one does, so that an unfinished batch is the same torn tail.
     */
    @Test
    void parallelAndSequentialWalksAgreeOnBatches() throws IOException {
        SegmentBuilder b = new SegmentBuilder();
        Random random = new Random(5);
        while (b.bytes().length < MIN_BYTES * 2) {
            String[] batch = new String[1 + random.nextInt(30)];
            Arrays.fill(batch, "x".repeat(100 + random.nextInt(500)));
            b.addBatch(batch);
        }
        int closedAt = b.bytes().length;
        String[] large = new String[(int) (MIN_BYTES * 2 / 1000)];
        Arrays.fill(large, "y".repeat(1000));
        byte[] whole = b.addBatch(large).bytes();
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path file = fs.getPath("/" + SegmentNames.name(1));
            compare(file, whole, "batches");
            for (int cut : new int[] {whole.length - 1, whole.length - 1500, closedAt + 5000, closedAt + 1}) {
                byte[] torn = Arrays.copyOf(whole, cut);
                compare(file, torn, "the last batch cut at " + cut);
                assertEquals(closedAt, SegmentScanner.scan(file, true).validEnd(), "cut at " + cut);
            }
        }
    }

    /** The first, last and middle records, and those on each side of where the three pieces start. */
    private static int[] damageAt(SegmentBuilder b, long size, int n) {
        SortedSet<Integer> records = new TreeSet<>(List.of(0, 1, n / 2, n - 2, n - 1));
        for (int piece = 1; piece < 3; piece++) {
            long from = size / 3 * piece;
            int r = 0;
            while (b.offsets.get(r) < from) {
                r++;
            }
            records.addAll(List.of(r - 1, r, r + 1));
        }
        return records.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void compare(Path file, byte[] bytes, String what) throws IOException {
        Files.write(file, bytes);
        for (boolean hashes : new boolean[] {true, false}) {
            SegmentScan sequential = SegmentScanner.scan(file, hashes);
            long[] progress = {0};
            SegmentScan parallel = SegmentScanner.verify(file, hashes, done -> progress[0] = Math.max(progress[0], done),
                    3, MIN_BYTES);
            assertEquals(sequential.end(), parallel.end(), what);
            assertEquals(sequential.validEnd(), parallel.validEnd(), what);
            assertEquals(sequential.recordCount(), parallel.recordCount(), what);
            assertEquals(sequential.lastSeq(), parallel.lastSeq(), what);
            assertArrayEquals(sequential.chainHead(), parallel.chainHead(), what);
            assertEquals(sequential.problems(), parallel.problems(), what);
            assertTrue(progress[0] > 0 || sequential.recordCount() == 0, what + ": progress was reported");
        }
    }
}
