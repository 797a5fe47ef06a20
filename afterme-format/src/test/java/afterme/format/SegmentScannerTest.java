package afterme.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.UUID;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tests of every way a segment can end, and of all the error paths of the scanner (in the manner of
 * LevelDB's log_test): torn tails at every byte, garbage, bit flips, re-sealed CRCs, versions.
 */
class SegmentScannerTest {
    private final FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
    private final Path dir = fs.getPath("/log");

    @AfterEach
    void close() throws IOException {
        fs.close();
    }

    private Path write(byte[] bytes) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(SegmentNames.name(1));
        Files.write(file, bytes);
        return file;
    }

    private static SegmentBuilder fiveRecords() {
        return new SegmentBuilder().addText("one", "{\"two\":2}", "", "four four four", "5");
    }

    @Test
    void cleanSegmentEndsClean() throws IOException {
        SegmentBuilder b = fiveRecords();
        SegmentScan s = SegmentScanner.scan(write(b.bytes()), true);
        assertEquals(SegmentScan.End.CLEAN, s.end());
        assertEquals(5, s.recordCount());
        assertEquals(5, s.lastSeq());
        assertTrue(Arrays.equals(b.chain(), s.chainHead()));
        assertEquals(List.of(), s.problems());
    }

    @Test
    void sealedSegmentEndsSealed() throws IOException {
        SegmentScan s = SegmentScanner.scan(write(fiveRecords().seal().bytes()), true);
        assertEquals(SegmentScan.End.SEALED, s.end());
        assertEquals(5, s.trailer().lastSeq());
    }

    @Test
    void truncatedLastRecordsAreTornTailAtEveryByte() throws IOException {
        SegmentBuilder b = fiveRecords();
        byte[] full = b.bytes();
        long thirdLast = b.offsets.get(2);
        for (int c = (int) thirdLast + 1; c < full.length; c++) {
            int cut = c;
            SegmentScan s = SegmentScanner.scan(write(Arrays.copyOf(full, cut)), true);
            long expectedEnd = b.offsets.stream().filter(o -> o <= cut).reduce((x, y) -> y).orElseThrow();
            int recordsKept = (int) b.offsets.stream().filter(o -> o < expectedEnd).count();
            if (expectedEnd == cut) {
                assertEquals(SegmentScan.End.CLEAN, s.end(), "cut at " + cut);
            } else {
                assertEquals(SegmentScan.End.TORN_TAIL, s.end(), "cut at " + cut);
                assertEquals(ProblemKind.TORN_TAIL, s.problems().get(0).kind());
                assertEquals(recordsKept + 1, s.problems().get(0).seq());
            }
            assertEquals(expectedEnd, s.validEnd(), "cut at " + cut);
            assertEquals(recordsKept, s.recordCount(), "cut at " + cut);
        }
    }

    @Test
    void truncatedTrailerIsTornTailAtEveryByte() throws IOException {
        byte[] sealed = fiveRecords().seal().bytes();
        int dataEnd = sealed.length - Trailer.LENGTH;
        for (int cut = dataEnd + 1; cut < sealed.length; cut++) {
            SegmentScan s = SegmentScanner.scan(write(Arrays.copyOf(sealed, cut)), true);
            assertEquals(SegmentScan.End.TORN_TAIL, s.end(), "cut at " + cut);
            assertEquals(dataEnd, s.validEnd());
        }
    }

    @Test
    void garbageAfterValidDataIsTornTail() throws IOException {
        byte[] valid = fiveRecords().bytes();
        byte[] zeros = new byte[4096];
        zeros[4095] = 1;
        for (byte[] garbage : List.of(zeros, "not a record at all".getBytes(), new byte[] {0x41, 0x46})) {
            byte[] bytes = Arrays.copyOf(valid, valid.length + garbage.length);
            System.arraycopy(garbage, 0, bytes, valid.length, garbage.length);
            SegmentScan s = SegmentScanner.scan(write(bytes), true);
            assertEquals(SegmentScan.End.TORN_TAIL, s.end());
            assertEquals(valid.length, s.validEnd());
            assertEquals(garbage.length, s.tornBytes());
        }
    }

    @Test
    void flippedBitIsReportedAtItsRecord() throws IOException {
        SegmentBuilder b = fiveRecords().seal();
        byte[] good = b.bytes();
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            SegmentScan s = SegmentScanner.scan(write(bad), true);
            assertNotEquals(SegmentScan.End.SEALED, s.end(), "bit " + bit);
            assertNotEquals(SegmentScan.End.CLEAN, s.end(), "bit " + bit);
            int at = bit / 8;
            if (at >= SegmentHeader.LENGTH && at < good.length - Trailer.LENGTH) {
                long expectedSeq = 1 + b.offsets.stream().filter(o -> o <= at).count() - 1;
                Problem p = s.problems().get(0);
                assertEquals(expectedSeq, p.seq(), "bit " + bit + ": " + p);
                assertEquals(b.offsets.get((int) expectedSeq - 1), p.offset(), "bit " + bit);
            }
        }
    }

    /** Damage that valid records follow names the seqs a reader that skips it goes without. */
    @Test
    void damageBeforeValidDataNamesTheSeqsItCost() throws IOException {
        SegmentBuilder b = fiveRecords().seal();
        byte[] one = b.bytes();
        one[b.offsets.get(1).intValue() + 20] ^= 1;
        Problem flipped = SegmentScanner.scan(write(one), true).problems().get(0);
        assertEquals(ProblemKind.BAD_CHECKSUM, flipped.kind());
        assertTrue(flipped.message().endsWith("; seq 2 cannot be read"), flipped.message());
        byte[] two = b.bytes();
        Arrays.fill(two, b.offsets.get(1).intValue() + 20, b.offsets.get(2).intValue() + 20, (byte) 0xff);
        Problem overwritten = SegmentScanner.scan(write(two), true).problems().get(0);
        assertEquals(2, overwritten.seq());
        assertTrue(overwritten.message().endsWith("; seq 2 to 3 cannot be read"), overwritten.message());
    }

    @Test
    void badLengthBeforeValidDataIsCorruptionNotTornTail() throws IOException {
        SegmentBuilder b = fiveRecords();
        byte[] bytes = b.bytes();
        int second = b.offsets.get(1).intValue();
        ByteBuffer.wrap(bytes).putInt(second + 8, 1 << 30);
        SegmentScan s = SegmentScanner.scan(write(bytes), true);
        assertEquals(SegmentScan.End.CORRUPT, s.end());
        assertEquals(ProblemKind.BAD_CHECKSUM, s.problems().get(0).kind());
        assertEquals(2, s.problems().get(0).seq());
    }

    @Test
    void resealedPayloadChangeIsCaughtByHashAndChain() throws IOException {
        SegmentBuilder b = fiveRecords();
        byte[] bytes = b.bytes();
        int at = b.offsets.get(3).intValue();
        int length = ByteBuffer.wrap(bytes).getInt(at + 8);
        bytes[at + length - 1] ^= 1;
        // Re-seal the CRC, as LevelDB's FixChecksum does, to reach the checks behind it.
        CRC32C crc = new CRC32C();
        crc.update(bytes, at + 8, length - 8);
        ByteBuffer.wrap(bytes).putInt(at + 4, (int) crc.getValue());
        SegmentScan full = SegmentScanner.scan(write(bytes), true);
        assertEquals(SegmentScan.End.CORRUPT, full.end());
        assertEquals(ProblemKind.BAD_HASH, full.problems().get(0).kind());
        assertEquals(4, full.problems().get(0).seq());
        SegmentScan quick = SegmentScanner.scan(write(bytes), false);
        assertTrue(quick.problems().isEmpty(), "quick mode does not hash payloads");
    }

    @Test
    void resealedHeaderChangeBreaksTheChain() throws IOException {
        SegmentBuilder b = fiveRecords();
        byte[] bytes = b.bytes();
        int at = b.offsets.get(1).intValue();
        int length = ByteBuffer.wrap(bytes).getInt(at + 8);
        bytes[at + 30] ^= 1; // a bit of the time field
        CRC32C crc = new CRC32C();
        crc.update(bytes, at + 8, length - 8);
        ByteBuffer.wrap(bytes).putInt(at + 4, (int) crc.getValue());
        SegmentScan s = SegmentScanner.scan(write(bytes), false);
        assertEquals(ProblemKind.CHAIN_BREAK, s.problems().get(0).kind());
        assertEquals(2, s.problems().get(0).seq());
    }

    @Test
    void unknownFormatVersionIsRefusedNamingTheVersion() throws IOException {
        byte[] bytes = fiveRecords().bytes();
        bytes[8] = 0;
        bytes[9] = 7;
        SegmentScan s = SegmentScanner.scan(write(bytes), true);
        assertEquals(SegmentScan.End.BAD_HEADER, s.end());
        assertEquals(ProblemKind.UNSUPPORTED_VERSION, s.problems().get(0).kind());
        assertTrue(s.problems().get(0).message().contains("format version 7"), s.problems().get(0).message());
    }

    @Test
    void headerCutShortOrNeverWrittenIsAHalfCreatedSegment() throws IOException {
        byte[] header = fiveRecords().bytes();
        for (int cut = 0; cut < SegmentHeader.LENGTH; cut++) {
            SegmentScan s = SegmentScanner.scan(write(Arrays.copyOf(header, cut)), true);
            assertEquals(SegmentScan.End.TORN_HEADER, s.end(), "cut at " + cut);
        }
        // Zeros or garbage no longer than a header: the data of a new segment's header never reached the disk.
        assertEquals(SegmentScan.End.TORN_HEADER, SegmentScanner.scan(write(new byte[128]), true).end());
        byte[] text = "this is no segment at all, it is text...".repeat(10).getBytes();
        assertEquals(SegmentScan.End.BAD_HEADER, SegmentScanner.scan(write(text), true).end());
    }

    /**
     * Records 1-3 written one at a time (each says the one before it was synced), then a group of records
     * 4-15 of 1 KiB that all say seq 3 was the last synced: the writes a power loss may tear.
     */
    private static SegmentBuilder lastGroupUnsynced(int version) {
        SegmentBuilder b = new SegmentBuilder(version, new UUID(1, 2), 1, new byte[32]).addText("one", "two", "three");
        b.syncedUpTo(3);
        for (int i = 4; i <= 15; i++) {
            byte[] payload = new byte[1000];
            Arrays.fill(payload, (byte) ('a' + i));
            b.add(payload);
        }
        return b;
    }

    /** The first 4 KiB page wholly after {@code offset}, zeroed: a page the disk kept from before the write. */
    private static long zeroPageAfter(byte[] bytes, long offset) {
        int page = (int) ((offset + 4095) / 4096 * 4096);
        Arrays.fill(bytes, page, page + 4096, (byte) 0);
        return page;
    }

    private static long recordHolding(SegmentBuilder b, long offset) {
        long found = -1;
        for (long o : b.offsets) {
            if (o <= offset) {
                found = o;
            }
        }
        return found;
    }

    @Test
    void aZeroPageAmongWritesNoLaterRecordSaysWereSyncedIsATornTail() throws IOException {
        SegmentBuilder b = lastGroupUnsynced(3);
        byte[] bytes = b.bytes();
        long page = zeroPageAfter(bytes, b.offsets.get(4));
        long stop = recordHolding(b, page);
        SegmentScan s = SegmentScanner.scan(write(bytes), true);
        assertEquals(SegmentScan.End.TORN_TAIL, s.end(), s.problems().toString());
        assertEquals(stop, s.validEnd());
        assertEquals(ProblemKind.TORN_TAIL, s.problems().get(0).kind());
        assertTrue(s.problems().get(0).message().contains("reads as zeros"), s.problems().get(0).message());
    }

    @Test
    void aLastRecordWhoseFirstBytesAreZeroIsTornThoughItsCrcHolds() throws IOException {
        // The page before it lost, the page holding the rest of it kept: the CRC32C, which does not cover
        // the magic, holds over bytes that all lie in the kept page.
        SegmentBuilder b = lastGroupUnsynced(3);
        byte[] bytes = b.bytes();
        int last = (int) (long) b.offsets.get(b.offsets.size() - 1);
        bytes[last] = 0;
        bytes[last + 1] = 0;
        SegmentScan s = SegmentScanner.scan(write(bytes), true);
        assertEquals(SegmentScan.End.TORN_TAIL, s.end(), s.problems().toString());
        assertEquals(last, s.validEnd());
    }

    @Test
    void aZeroPageBeforeARecordThatSaysItWasSyncedIsDamage() throws IOException {
        SegmentBuilder b = lastGroupUnsynced(3);
        b.syncedUpTo(15).addText("sixteen");
        byte[] bytes = b.bytes();
        long page = zeroPageAfter(bytes, b.offsets.get(4));
        SegmentScan s = SegmentScanner.scan(write(bytes), true);
        Problem p = s.problems().get(0);
        assertEquals(ProblemKind.BAD_CHECKSUM, p.kind(), p.toString());
        assertEquals(recordHolding(b, page), p.offset());
        assertTrue(p.message().contains("had been synced"), p.message());
    }

    @Test
    void unsyncedWritesThatAreNotZerosAreDamage() throws IOException {
        SegmentBuilder b = lastGroupUnsynced(3);
        byte[] bytes = b.bytes();
        int page = (int) zeroPageAfter(bytes, b.offsets.get(4));
        Arrays.fill(bytes, page, page + 4096, (byte) 0x5A);
        assertEquals(ProblemKind.BAD_CHECKSUM, SegmentScanner.scan(write(bytes), true).problems().get(0).kind());
    }

    @Test
    void withoutSyncMarksOrInASegmentOthersFollowAZeroPageIsDamage() throws IOException {
        SegmentBuilder v2 = lastGroupUnsynced(2);
        byte[] bytes = v2.bytes();
        zeroPageAfter(bytes, v2.offsets.get(4));
        assertEquals(ProblemKind.BAD_CHECKSUM, SegmentScanner.scan(write(bytes), true).problems().get(0).kind());

        SegmentBuilder v3 = lastGroupUnsynced(3);
        byte[] first = v3.bytes();
        zeroPageAfter(first, v3.offsets.get(4));
        Path file = write(first);
        Files.write(dir.resolve(SegmentNames.name(16)), new SegmentBuilder(new UUID(1, 2), 16, v3.chain()).bytes());
        assertEquals(ProblemKind.BAD_CHECKSUM, SegmentScanner.scan(file, true).problems().get(0).kind());
    }

    @Test
    void zeroFilledTailOfAVersion1SegmentIsTornNotCorrupt() throws IOException {
        byte[] valid = SegmentBuilder.version1().addText("one", "two").bytes();
        // The file's new size survived a power loss but its data did not.
        SegmentScan s = SegmentScanner.scan(write(Arrays.copyOf(valid, valid.length + 70_000)), true);
        assertEquals(SegmentScan.End.TORN_TAIL, s.end());
        assertEquals(valid.length, s.validEnd());
        assertFalse(s.problems().isEmpty());
    }

    @Test
    void zerosAfterTheRecordsOfAVersion2SegmentAreItsFill() throws IOException {
        SegmentBuilder b = fiveRecords();
        byte[] valid = b.bytes();
        SegmentScan s = SegmentScanner.scan(write(Arrays.copyOf(valid, valid.length + 70_000)), true);
        assertEquals(SegmentScan.End.CLEAN, s.end());
        assertTrue(s.problems().isEmpty(), s.problems().toString());
        assertEquals(valid.length, s.dataEnd());
        assertEquals(70_000, s.fillBytes());
        assertEquals(0, s.tornBytes());
        assertEquals(5, s.recordCount());
        assertEquals(b.nextSeq() - 1, s.lastSeq());
    }

    @Test
    void aByteOtherThanZeroInTheFillIsATornTail() throws IOException {
        byte[] valid = fiveRecords().bytes();
        for (int at : new int[] {0, 3, 4, 100, 69_999}) {
            byte[] bytes = Arrays.copyOf(valid, valid.length + 70_000);
            bytes[valid.length + at] = 7;
            SegmentScan s = SegmentScanner.scan(write(bytes), true);
            assertEquals(SegmentScan.End.TORN_TAIL, s.end(), "byte " + at);
            assertEquals(valid.length, s.dataEnd(), "byte " + at);
            assertEquals(70_000, s.tornBytes(), "byte " + at);
            int zeros = 70_000 - at - 1;
            assertEquals(zeros > 0, tornTail(s).contains("the last " + zeros + " of them are zeros"), tornTail(s));
        }
    }

    /** The message of the scan's one torn-tail problem. */
    private static String tornTail(SegmentScan s) {
        List<Problem> torn = s.problems().stream().filter(p -> p.kind() == ProblemKind.TORN_TAIL).toList();
        assertEquals(1, torn.size(), s.problems().toString());
        return torn.get(0).message();
    }

    @Test
    void aRecordTornAtEveryByteBeforeTheFillIsATornTail() throws IOException {
        SegmentBuilder b = fiveRecords();
        byte[] whole = b.bytes();
        int last = b.offsets.get(b.offsets.size() - 1).intValue();
        for (int cut = last + 1; cut < whole.length; cut++) {
            // What a power loss can leave of a record written into the fill: its start, then zeros.
            byte[] bytes = new byte[whole.length + 4096];
            System.arraycopy(whole, 0, bytes, 0, cut);
            SegmentScan s = SegmentScanner.scan(write(bytes), true);
            assertEquals(SegmentScan.End.TORN_TAIL, s.end(), "cut at " + cut);
            assertEquals(last, s.validEnd(), "cut at " + cut);
            assertEquals(4, s.recordCount(), "cut at " + cut);
            int dataEnd = cut;
            while (bytes[dataEnd - 1] == 0) {
                dataEnd--;
            }
            String zeros = "the last " + (bytes.length - dataEnd) + " of them are zeros";
            assertTrue(tornTail(s).contains(zeros), "cut at " + cut + ": " + tornTail(s));
        }
    }

    @Test
    void aFillBeforeATrailerIsNotASealedSegment() throws IOException {
        SegmentBuilder b = fiveRecords();
        byte[] data = b.bytes();
        byte[] trailer = new Trailer(b.nextSeq() - 1, 5, b.chain(), data.length).encode();
        byte[] bytes = Arrays.copyOf(data, data.length + 4096 + trailer.length);
        System.arraycopy(trailer, 0, bytes, data.length + 4096, trailer.length);
        SegmentScan s = SegmentScanner.scan(write(bytes), true);
        assertNotEquals(SegmentScan.End.SEALED, s.end());
        assertNotEquals(SegmentScan.End.CLEAN, s.end());
    }
}
