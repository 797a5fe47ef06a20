package afterme.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Encodes and decodes records (FORMAT.md, "Record"). Big-endian. Stateless and thread-safe.
 *
 * <pre>
 *   0   4  magic 0x41465231 ("AFR1")
 *   4   4  CRC32C of bytes 8..L-1 (everything after this field, payload included)
 *   8   4  L, record length: header + payload
 *  12   4  payload size P
 *  16   8  seq
 *  24   8  time, seconds since 1970-01-01T00:00:00Z (signed)
 *  32   4  time, nanoseconds 0..999999999
 *  36   1  record type: 1 = data, 2 = data with a sync mark, 3 = type 2 that more of its batch follows
 *  37   1  zone length Z (1..255)
 *  38   1  content type length C (0..255, 0 = none)
 *  39   1  idempotency key length K (0..255, 0 = none)
 *  40  32  SHA-256 of the payload
 *  72   Z  zone, IANA id in ASCII
 *   .   C  content type, ASCII
 *   .   K  idempotency key, bytes
 *   V  32  chain = SHA-256(previous chain || bytes 8..V-1)      where V = 72+Z+C+K
 * V+32   8  sync mark (types 2 and 3): the last seq an fsync had covered when this record was written
 *   .   P  payload
 * </pre>
 *
 * <p>Type 1 records fill segments of versions 1 and 2, type 2 records those of version 3, types 2 and 3
 * those of version 4. Every other field lies where it lies in type 1, so only the payload's place depends
 * on the type, which the record itself gives.
 */
public final class RecordCodec {
    public static final int MAGIC = 0x41465231;
    /** A data record. */
    public static final byte TYPE_DATA = 1;
    /** A data record with a sync mark (format version 3), and from version 4 the last record of its batch. */
    public static final byte TYPE_MARKED = 2;
    /** A type-2 record that more records of the same request follow (format version 4). */
    public static final byte TYPE_BATCH_GOES_ON = 3;
    public static final int FIXED_LENGTH = 72;
    public static final int MARK_LENGTH = 8;
    /** The shortest frame of either type: a type-1 record with a one-byte zone and nothing else. */
    public static final int MIN_LENGTH = FIXED_LENGTH + 1 + Hashes.SHA256_BYTES;
    public static final int MAX_STRING = 255;
    /** Bytes needed before the length field can be read. */
    public static final int PREFIX = 12;

    private RecordCodec() {
    }

    public static int encodedLength(byte type, int zoneLength, int contentTypeLength, int keyLength,
                                    int payloadLength) {
        return FIXED_LENGTH + zoneLength + contentTypeLength + keyLength + Hashes.SHA256_BYTES + markLength(type)
                + payloadLength;
    }

    private static int markLength(byte type) {
        return type == TYPE_DATA ? 0 : MARK_LENGTH;
    }

    /**
     * Writes one record at {@code dst}'s position and advances it.
     *
     * <p>The head (everything before the payload) is built in a heap array and hashed there, then put
     * into {@code dst} whole: the writer's buffer is direct, and hashing or putting field by field
     * through a direct buffer cost twice the whole record.
     *
     * <p>The payload comes in pieces, read from each one's position to its limit and left as they are: a
     * large request body is held in pooled pieces off the heap, and the record is encoded from them.
     *
     * @param type {@link SegmentHeader#recordType} of the segment written into
     * @param chain in: the previous record's chain; out: this record's chain
     * @param syncMark the last seq an fsync had covered; ignored for a type-1 record, which has no mark
     */
    public static void encode(ByteBuffer dst, byte type, long seq, long epochSecond, int nanos, byte[] zone,
                              byte[] contentType, byte[] key, byte[] sha256, ByteBuffer[] payload, byte[] chain,
                              long syncMark, MessageDigest md, CRC32C crc) {
        encodeHead(dst, type, seq, epochSecond, nanos, zone, contentType, key, sha256, payload, chain, syncMark, md,
                crc);
        for (ByteBuffer piece : payload) {
            dst.put(piece.duplicate());
        }
    }

    /**
     * Writes everything of one record before its payload at {@code dst}'s position and advances it: the
     * record is whole once the payload's bytes follow it. Its CRC32C covers the payload, which is read
     * from {@code payload} and left as it is. For a writer that writes a large payload from where it lies
     * instead of copying it after the head; the parameters as in {@link #encode}.
     */
    public static void encodeHead(ByteBuffer dst, byte type, long seq, long epochSecond, int nanos, byte[] zone,
                                  byte[] contentType, byte[] key, byte[] sha256, ByteBuffer[] payload, byte[] chain,
                                  long syncMark, MessageDigest md, CRC32C crc) {
        int size = 0;
        for (ByteBuffer piece : payload) {
            size = Math.addExact(size, piece.remaining());
        }
        checkString("zone", zone, 1);
        checkString("content type", contentType, 0);
        checkString("idempotency key", key, 0);
        int chainAt = FIXED_LENGTH + zone.length + contentType.length + key.length;
        byte[] head = new byte[chainAt + Hashes.SHA256_BYTES + markLength(type)];
        ByteBuffer h = ByteBuffer.wrap(head);
        h.putInt(MAGIC).putInt(0).putInt(encodedLength(type, zone.length, contentType.length, key.length, size))
                .putInt(size).putLong(seq).putLong(epochSecond).putInt(nanos).put(type)
                .put((byte) zone.length).put((byte) contentType.length).put((byte) key.length).put(sha256).put(zone)
                .put(contentType).put(key);
        md.reset();
        md.update(chain);
        md.update(head, 8, chainAt - 8);
        try {
            md.digest(chain, 0, chain.length);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 digest into a 32-byte array cannot fail", e);
        }
        h.put(chain);
        if (type != TYPE_DATA) {
            h.putLong(syncMark);
        }
        crc.reset();
        crc.update(head, 8, head.length - 8);
        for (ByteBuffer piece : payload) {
            crc.update(piece.duplicate());
        }
        h.putInt(4, (int) crc.getValue());
        dst.put(head);
    }

    private static void checkString(String what, byte[] value, int min) {
        if (value.length < min || value.length > MAX_STRING) {
            throw new IllegalArgumentException(what + " must be " + min + ".." + MAX_STRING + " bytes, got "
                    + value.length);
        }
    }

    /**
     * Checks the record frame at {@code b[pos, pos+avail)} by rules 1 to 4 of FORMAT.md: magic, length,
     * field bounds, CRC32C, for a record of the segment that {@code header} opens. On
     * {@link FrameVerdict#RECORD} its length is {@link #lengthAt}.
     */
    public static FrameVerdict check(ByteBuffer b, int pos, int avail, SegmentHeader header, CRC32C crc) {
        if (avail < 4) {
            return FrameVerdict.PAST_END;
        }
        if (b.getInt(pos) != MAGIC) {
            return FrameVerdict.BAD_MAGIC;
        }
        if (avail < PREFIX) {
            return FrameVerdict.PAST_END;
        }
        int length = b.getInt(pos + 8);
        if (length >= 0 && length < MIN_LENGTH) {
            return FrameVerdict.BAD_LENGTH;
        }
        if (length < 0 || length > avail) {
            return FrameVerdict.PAST_END;
        }
        int zone = Byte.toUnsignedInt(b.get(pos + 37));
        int ct = Byte.toUnsignedInt(b.get(pos + 38));
        int key = Byte.toUnsignedInt(b.get(pos + 39));
        long payload = Integer.toUnsignedLong(b.getInt(pos + 12));
        byte type = b.get(pos + 36);
        if (!header.holdsType(type) || zone == 0 || Integer.toUnsignedLong(b.getInt(pos + 32)) >= 1_000_000_000L
                || encodedLength(type, zone, ct, key, 0) + payload != length) {
            return FrameVerdict.BAD_FIELDS;
        }
        return crcHolds(b, pos, length, crc) ? FrameVerdict.RECORD : FrameVerdict.BAD_CRC;
    }

    /**
     * Whether the CRC32C stored at {@code pos + 4} covers {@code b[pos+8, pos+length)}. It does not cover
     * the magic: a frame whose magic alone is damaged is still told to have been written whole.
     */
    static boolean crcHolds(ByteBuffer b, int pos, int length, CRC32C crc) {
        crc.reset();
        update(crc, b, pos + 8, length - 8);
        return (int) crc.getValue() == b.getInt(pos + 4);
    }

    /** The length field L of the frame at {@code pos}. */
    public static int lengthAt(ByteBuffer b, int pos) {
        return b.getInt(pos + 8);
    }

    /** Decodes a frame that {@link #check} accepted. */
    public static LogRecord decode(ByteBuffer b, int pos, String segment, long offset) {
        int length = b.getInt(pos + 8);
        int payloadSize = b.getInt(pos + 12);
        int zoneLength = Byte.toUnsignedInt(b.get(pos + 37));
        int ctLength = Byte.toUnsignedInt(b.get(pos + 38));
        int keyLength = Byte.toUnsignedInt(b.get(pos + 39));
        byte[] sha = new byte[Hashes.SHA256_BYTES];
        b.get(pos + 40, sha);
        int at = pos + FIXED_LENGTH;
        String zone = ascii(b, at, zoneLength);
        at += zoneLength;
        String ct = ctLength == 0 ? null : ascii(b, at, ctLength);
        at += ctLength;
        String key = keyLength == 0 ? null : utf8(b, at, keyLength);
        at += keyLength;
        byte[] chain = new byte[Hashes.SHA256_BYTES];
        b.get(at, chain);
        byte[] payload = new byte[payloadSize];
        b.get(payloadAt(b, pos), payload);
        return new LogRecord(b.getLong(pos + 16), b.getLong(pos + 24), b.getInt(pos + 32), zone, ct, key, sha,
                b.getInt(pos + 4), chain, payload, segment, offset, length);
    }

    /**
     * The chain this record must carry given the previous chain: SHA-256(prev || bytes 8..V-1).
     * Used by readers to check the link; the writer computes it in {@link #encode}.
     */
    public static boolean chainFollows(ByteBuffer b, int pos, byte[] prevChain, MessageDigest md) {
        int chainAt = chainAt(b, pos);
        md.reset();
        md.update(prevChain);
        update(md, b, pos + 8, chainAt - pos - 8);
        return matches(b, chainAt, md.digest());
    }

    /** Whether the payload of the valid frame at {@code pos} hashes to the SHA-256 stored in its header. */
    public static boolean payloadHashMatches(ByteBuffer b, int pos, MessageDigest md) {
        md.reset();
        update(md, b, payloadAt(b, pos), payloadSizeAt(b, pos));
        return matches(b, pos + 40, md.digest());
    }

    /** The chain stored in the valid frame at {@code pos}. */
    public static byte[] storedChain(ByteBuffer b, int pos) {
        byte[] chain = new byte[Hashes.SHA256_BYTES];
        b.get(chainAt(b, pos), chain);
        return chain;
    }

    /** The sync mark of the valid frame at {@code pos}: the last seq an fsync had covered, -1 for type 1. */
    public static long syncMarkAt(ByteBuffer b, int pos) {
        return b.get(pos + 36) != TYPE_DATA ? b.getLong(chainAt(b, pos) + Hashes.SHA256_BYTES) : -1;
    }

    /** Whether more records of its batch follow the valid frame at {@code pos} (type 3). */
    public static boolean batchGoesOnAt(ByteBuffer b, int pos) {
        return b.get(pos + 36) == TYPE_BATCH_GOES_ON;
    }

    /** Where the payload of the valid frame at {@code pos} starts: its length from the end, whatever its type. */
    static int payloadAt(ByteBuffer b, int pos) {
        return pos + b.getInt(pos + 8) - payloadSizeAt(b, pos);
    }

    private static int chainAt(ByteBuffer b, int pos) {
        return keyAt(b, pos) + Byte.toUnsignedInt(b.get(pos + 39));
    }

    /** The idempotency key bytes of the valid frame at {@code pos}, or null when it carries none. */
    public static byte[] idempotencyKeyAt(ByteBuffer b, int pos) {
        int keyLength = Byte.toUnsignedInt(b.get(pos + 39));
        if (keyLength == 0) {
            return null;
        }
        byte[] key = new byte[keyLength];
        b.get(keyAt(b, pos), key);
        return key;
    }

    /** Where the idempotency key of the frame at {@code pos} starts: after the zone and the content type. */
    private static int keyAt(ByteBuffer b, int pos) {
        return pos + FIXED_LENGTH + Byte.toUnsignedInt(b.get(pos + 37)) + Byte.toUnsignedInt(b.get(pos + 38));
    }

    public static int payloadSizeAt(ByteBuffer b, int pos) {
        return b.getInt(pos + 12);
    }

    public static long seqAt(ByteBuffer b, int pos) {
        return b.getLong(pos + 16);
    }

    public static long epochNanosAt(ByteBuffer b, int pos) {
        return b.getLong(pos + 24) * 1_000_000_000L + b.getInt(pos + 32);
    }

    // The hot loops of verify and tail pass heap buffers: go through their arrays, not through views.
    private static void update(CRC32C crc, ByteBuffer b, int from, int length) {
        if (b.hasArray()) {
            crc.update(b.array(), b.arrayOffset() + from, length);
        } else {
            crc.update(b.duplicate().position(from).limit(from + length));
        }
    }

    private static void update(MessageDigest md, ByteBuffer b, int from, int length) {
        if (b.hasArray()) {
            md.update(b.array(), b.arrayOffset() + from, length);
        } else {
            md.update(b.duplicate().position(from).limit(from + length));
        }
    }

    private static boolean matches(ByteBuffer b, int at, byte[] expected) {
        if (b.hasArray()) {
            int from = b.arrayOffset() + at;
            return Arrays.equals(b.array(), from, from + expected.length, expected, 0, expected.length);
        }
        return b.slice(at, expected.length).equals(ByteBuffer.wrap(expected));
    }

    private static String ascii(ByteBuffer b, int at, int n) {
        byte[] bytes = new byte[n];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static String utf8(ByteBuffer b, int at, int n) {
        byte[] bytes = new byte[n];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
