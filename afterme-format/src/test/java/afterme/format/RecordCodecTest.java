package afterme.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Property-style round trips: random records encode and decode to the same fields. */
class RecordCodecTest {
    private static final List<String> ZONES = new ArrayList<>(ZoneId.getAvailableZoneIds());

    static {
        ZONES.sort(null);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void randomRecordsRoundTripEveryField(long seed) {
        Random random = new Random(seed);
        MessageDigest md = Hashes.newSha256();
        CRC32C crc = new CRC32C();
        for (int i = 0; i < 50; i++) {
            int size = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextInt(100);
                case 2 -> random.nextInt(70_000);
                default -> i == 0 ? 1 << 20 : random.nextInt(5_000);
            };
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            String zone = ZONES.get(random.nextInt(ZONES.size()));
            String ct = random.nextBoolean() ? null : "application/x-" + random.nextInt(1000);
            String key = random.nextBoolean() ? null : "k-" + Long.toHexString(random.nextLong()) + "-é";
            long seq = 1 + (random.nextLong() >>> 2);
            long sec = random.nextInt() & 0xffffffffL;
            int nanos = random.nextInt(1_000_000_000);
            byte[] prev = new byte[32];
            random.nextBytes(prev);
            byte[] chain = prev.clone();
            byte type = (byte) (1 + random.nextInt(3));
            long mark = type == RecordCodec.TYPE_DATA ? -1 : random.nextLong() >>> 1;
            ByteBuffer b = ByteBuffer.allocate(RecordCodec.encodedLength(type, zone.length(),
                    ct == null ? 0 : ct.length(), key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length, size)
                    + 7);
            b.position(7);
            RecordCodec.encode(b, type, seq, sec, nanos, zone.getBytes(StandardCharsets.US_ASCII),
                    ct == null ? new byte[0] : ct.getBytes(StandardCharsets.US_ASCII),
                    key == null ? new byte[0] : key.getBytes(StandardCharsets.UTF_8), Hashes.sha256(payload),
                    new ByteBuffer[] {ByteBuffer.wrap(payload)}, chain, mark, md, crc);
            int version = type == RecordCodec.TYPE_DATA ? 1 : type == RecordCodec.TYPE_MARKED ? 3 : 4;
            assertEquals(FrameVerdict.RECORD, RecordCodec.check(b, 7, b.capacity() - 7, headerOf(version), crc));
            // A segment of a version that has no such type does not take it.
            int other = type == RecordCodec.TYPE_DATA ? 4 : type == RecordCodec.TYPE_MARKED ? 1 : 3;
            assertEquals(FrameVerdict.BAD_FIELDS, RecordCodec.check(b, 7, b.capacity() - 7, headerOf(other), crc));
            assertEquals(mark, RecordCodec.syncMarkAt(b, 7));
            assertEquals(type == RecordCodec.TYPE_BATCH_GOES_ON, RecordCodec.batchGoesOnAt(b, 7));
            int length = RecordCodec.lengthAt(b, 7);
            assertEquals(b.capacity() - 7, length);
            LogRecord r = RecordCodec.decode(b, 7, "s", 7);
            assertEquals(seq, r.seq());
            assertEquals(sec, r.epochSecond());
            assertEquals(nanos, r.nanos());
            assertEquals(zone, r.zone());
            assertEquals(ct, r.contentType());
            assertEquals(key, r.idempotencyKey());
            assertArrayEquals(payload, r.payload());
            assertArrayEquals(Hashes.sha256(payload), r.sha256());
            assertArrayEquals(chain, r.chain());
            assertTrue(RecordCodec.chainFollows(b, 7, prev, md));
            assertTrue(RecordCodec.payloadHashMatches(b, 7, md));
            assertEquals(FrameVerdict.PAST_END, RecordCodec.check(b, 7, length - 1, headerOf(version), crc));
        }
    }

    @ParameterizedTest(name = "cut at {0}")
    @ValueSource(ints = {0, 3, 4, 11, 12, 50})
    void aShortPrefixIsNeedMoreNotInvalid(int cut) {
        ByteBuffer b = ByteBuffer.wrap(new SegmentBuilder().addText("hello").bytes());
        int avail = cut;
        assertEquals(FrameVerdict.PAST_END, RecordCodec.check(b, SegmentHeader.LENGTH, avail,
                headerOf(SegmentHeader.VERSION), new CRC32C()));
    }

    /**
     * A payload held in pieces (direct or on the heap, some empty, cut anywhere, not starting at 0) encodes
     * the same bytes as the payload whole, hashes to the same SHA-256, and leaves its pieces unread.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void payloadInPiecesEncodesTheSameBytesAsWhole(long seed) {
        Random random = new Random(seed);
        MessageDigest md = Hashes.newSha256();
        CRC32C crc = new CRC32C();
        byte[] payload = new byte[seed == 1 ? 1 << 20 : random.nextInt(300_000)];
        random.nextBytes(payload);
        List<ByteBuffer> pieces = new ArrayList<>();
        for (int at = 0; at < payload.length || pieces.isEmpty(); ) {
            int n = Math.min(payload.length - at, random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(70_000));
            ByteBuffer piece = random.nextBoolean() ? ByteBuffer.allocateDirect(n + 5) : ByteBuffer.allocate(n + 5);
            piece.position(3).put(payload, at, n).flip().position(3);
            pieces.add(piece);
            at += n;
        }
        ByteBuffer[] held = pieces.toArray(ByteBuffer[]::new);
        byte[] zone = "Europe/Paris".getBytes(StandardCharsets.US_ASCII);
        byte[] key = "key".getBytes(StandardCharsets.US_ASCII);
        int length = RecordCodec.encodedLength(RecordCodec.TYPE_MARKED, zone.length, 0, key.length, payload.length);
        ByteBuffer whole = ByteBuffer.allocate(length);
        ByteBuffer fromPieces = ByteBuffer.allocateDirect(length);
        byte[] chainWhole = new byte[32];
        byte[] chainPieces = new byte[32];
        byte[] sha256 = Hashes.sha256(payload);
        RecordCodec.encode(whole, RecordCodec.TYPE_MARKED, 9, 1_700_000_000, 5, zone, new byte[0], key, sha256,
                new ByteBuffer[] {ByteBuffer.wrap(payload)}, chainWhole, 8, md, crc);
        RecordCodec.encode(fromPieces, RecordCodec.TYPE_MARKED, 9, 1_700_000_000, 5, zone, new byte[0], key, Hashes.sha256(held), held,
                chainPieces, 8, md, crc);
        assertEquals(length, fromPieces.position());
        assertEquals(whole.flip(), fromPieces.flip());
        assertArrayEquals(chainWhole, chainPieces);
        assertArrayEquals(sha256, Hashes.sha256(held));
        for (ByteBuffer piece : held) {
            assertEquals(3, piece.position());
        }
    }

    @ParameterizedTest(name = "sync mark {0}")
    @ValueSource(longs = {-1, 0, 77})
    void aHeadFollowedByItsPayloadIsTheWholeRecord(long mark) {
        byte[] payload = new byte[100_003];
        new Random(mark).nextBytes(payload);
        ByteBuffer piece = ByteBuffer.allocateDirect(payload.length).put(payload).flip();
        byte[] zone = "Asia/Tokyo".getBytes(StandardCharsets.US_ASCII);
        byte[] ct = "application/pdf".getBytes(StandardCharsets.US_ASCII);
        byte[] key = "k1".getBytes(StandardCharsets.US_ASCII);
        byte type = mark < 0 ? RecordCodec.TYPE_DATA : RecordCodec.TYPE_MARKED;
        int length = RecordCodec.encodedLength(type, zone.length, ct.length, key.length, payload.length);
        byte[] chainWhole = new byte[32];
        byte[] chainHead = new byte[32];
        ByteBuffer whole = ByteBuffer.allocate(length);
        RecordCodec.encode(whole, type, 5, 1_700_000_000, 9, zone, ct, key, Hashes.sha256(payload),
                new ByteBuffer[] {piece}, chainWhole, mark, Hashes.newSha256(), new CRC32C());
        ByteBuffer head = ByteBuffer.allocate(length);
        RecordCodec.encodeHead(head, type, 5, 1_700_000_000, 9, zone, ct, key, Hashes.sha256(payload),
                new ByteBuffer[] {piece}, chainHead, mark, Hashes.newSha256(), new CRC32C());
        assertEquals(length - payload.length, head.position());
        assertEquals(0, piece.position());
        head.put(piece.duplicate());
        assertEquals(whole.flip(), head.flip());
        assertArrayEquals(chainWhole, chainHead);
        assertEquals(FrameVerdict.RECORD, RecordCodec.check(head, 0, length, headerOf(mark < 0 ? 1 : 3),
                new CRC32C()));
    }

    @org.junit.jupiter.api.Test
    void trailerRoundTrips() {
        Trailer t = new Trailer(42, 7, new byte[32], 4096);
        assertEquals(t, Trailer.tryDecode(ByteBuffer.wrap(t.encode()), 0));
        byte[] bad = t.encode();
        bad[20] ^= 1;
        assertNull(Trailer.tryDecode(ByteBuffer.wrap(bad), 0));
    }

    /** The header of a segment of {@code version}, for the record types it takes. */
    private static SegmentHeader headerOf(int version) {
        return new SegmentHeader(version, new UUID(1, 2), 1, new byte[32]);
    }
}
