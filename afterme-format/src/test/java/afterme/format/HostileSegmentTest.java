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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random and mutated segments, batches among their records, through every reader: the scanner, the
 * cursor (tail, dump, the daemon) and the verifier. None may throw anything but a {@link
 * LogFormatException}, none may hang, and every record any of them accepts must be exactly a record that
 * was written.
 */
class HostileSegmentTest {
    private static final int MUTATIONS = 2000;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void mutatedSegmentsNeverYieldAForeignRecord() throws IOException {
        Random random = new Random(2026);
        SegmentBuilder first = new SegmentBuilder();
        for (int i = 0; i < 12; i++) {
            byte[] p = new byte[random.nextInt(200)];
            random.nextBytes(p);
            first.add(p, "America/New_York", i % 3 == 0 ? "application/json" : null, i % 4 == 0 ? "k" + i : null,
                    1_764_000_000L + i);
        }
        first.seal();
        // The active segment holds batches too, whose ends the readers look for.
        SegmentBuilder second = new SegmentBuilder(first.logId, first.nextSeq(), first.chain())
                .addText("{\"i\":0}", "{\"i\":1}").addBatch("{\"i\":2}", "{\"i\":3}", "{\"i\":4}")
                .addText("{\"i\":5}").addBatch("{\"i\":6}", "{\"i\":7}");
        List<LogRecord> originals = new ArrayList<>();
        Set<Long> batchGoesOn = new HashSet<>();
        for (byte[] seg : List.of(first.bytes(), second.bytes())) {
            ByteBuffer b = ByteBuffer.wrap(seg);
            int pos = SegmentHeader.LENGTH;
            while (pos < seg.length && b.getInt(pos) == RecordCodec.MAGIC) {
                originals.add(RecordCodec.decode(b, pos, "", pos));
                if (RecordCodec.batchGoesOnAt(b, pos)) {
                    batchGoesOn.add(RecordCodec.seqAt(b, pos));
                }
                pos += b.getInt(pos + 8);
            }
        }
        int rejected = 0;
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            for (int m = 0; m < MUTATIONS; m++) {
                Path dir = fs.getPath("/log" + m);
                Files.createDirectories(dir);
                byte[] a = first.bytes();
                byte[] b = second.bytes();
                if (m % 2 == 1) {
                    // The active segment as a version-2 writer leaves it: records, then a fill of zeros.
                    b = Arrays.copyOf(b, b.length + 1 + random.nextInt(512));
                }
                if (random.nextBoolean()) {
                    a = mutate(a, random);
                } else {
                    b = mutate(b, random);
                }
                Files.write(dir.resolve(SegmentNames.name(first.firstSeq)), a);
                Files.write(dir.resolve(SegmentNames.name(second.firstSeq)), b);
                rejected += readEverything(dir, originals, batchGoesOn) ? 0 : 1;
                for (Path p : Segments.list(dir)) {
                    Files.delete(p);
                }
                Files.delete(dir);
            }
        }
        assertTrue(rejected > MUTATIONS / 2, "most mutations are noticed: " + rejected);
    }

    /**
     * Reads a log with every reader; returns true when all of them found it clean. A cursor that reaches the
     * end without damage has handed out whole batches: its last record is none that more of its batch follow.
     */
    private static boolean readEverything(Path dir, List<LogRecord> originals, Set<Long> batchGoesOn)
            throws IOException {
        boolean clean = true;
        for (Path segment : Segments.list(dir)) {
            for (boolean hashes : new boolean[] {true, false}) {
                SegmentScan scan = SegmentScanner.scan(segment, hashes, r -> assertOriginal(r, originals), null);
                clean &= scan.problems().isEmpty();
            }
        }
        try (LogCursor cursor = new LogCursor(dir, 1, true)) {
            LogRecord last = null;
            for (LogRecord r = cursor.next(); r != null; r = cursor.next()) {
                assertOriginal(r, originals);
                last = r;
            }
            assertTrue(last == null || !batchGoesOn.contains(last.seq()), "the cursor ended inside a batch, at seq "
                    + (last == null ? 0 : last.seq()));
            clean &= cursor.leftover() == null;
        } catch (LogFormatException expected) {
            clean = false;
        }
        // Nobody writes these logs: their problems are reported at once, not first given time to settle.
        LogVerifier.Report report = LogVerifier.verify(Segments.list(dir), true, (done, total) -> { }, false);
        return clean && report.clean();
    }

    /**
     * A record a reader accepted must be one that was written, byte for byte. A CRC-valid record whose
     * chain or hash is off is still reported by the scanner; it must at least carry the original bytes
     * of its frame, so compare the payload and the stored digests.
     */
    private static void assertOriginal(LogRecord r, List<LogRecord> originals) {
        LogRecord o = originals.stream().filter(x -> x.seq() == r.seq()).findFirst().orElse(null);
        assertTrue(o != null, "a record with seq " + r.seq() + " was never written");
        assertArrayEquals(o.payload(), r.payload(), "seq " + r.seq());
        assertArrayEquals(o.sha256(), r.sha256(), "seq " + r.seq());
        assertArrayEquals(o.chain(), r.chain(), "seq " + r.seq());
        assertEquals(o.zone(), r.zone());
    }

    private static byte[] mutate(byte[] bytes, Random random) {
        byte[] b = bytes.clone();
        switch (random.nextInt(7)) {
            case 0 -> b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
            case 1 -> {
                for (int i = 0; i < 1 + random.nextInt(20); i++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
            }
            case 2 -> b = Arrays.copyOf(b, random.nextInt(b.length));
            case 3 -> {
                byte[] junk = new byte[1 + random.nextInt(300)];
                random.nextBytes(junk);
                int at = random.nextInt(b.length);
                byte[] out = new byte[b.length + junk.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(junk, 0, out, at, junk.length);
                System.arraycopy(b, at, out, at + junk.length, b.length - at);
                b = out;
            }
            case 4 -> {
                // A plausible length field pointing anywhere.
                int at = SegmentHeader.LENGTH + random.nextInt(Math.max(1, b.length - SegmentHeader.LENGTH - 12));
                ByteBuffer.wrap(b).putInt(at + 8, random.nextInt(b.length * 2));
            }
            case 5 -> {
                random.nextBytes(b);
            }
            default -> {
                int from = random.nextInt(b.length);
                int to = Math.min(b.length, from + random.nextInt(600));
                Arrays.fill(b, from, to, (byte) 0);
            }
        }
        return b;
    }
}
