package afterme.format;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The 128-byte header that opens every segment (FORMAT.md, "Segment header"). Big-endian.
 *
 * <pre>
 *   0   8  magic  89 41 46 4D 0D 0A 1A 0A  ("\x89AFM\r\n\x1a\n")
 *   8   2  format version (1 to 4; from 2 an unsealed segment may end with fill, from 3 records carry a sync mark,
 *           from 4 they say where their batch ends)
 *  10   2  header length (128)
 *  12   4  reserved, zero
 *  16  16  log id
 *  32   8  first seq
 *  40  32  chain the segment continues from (zeros for seq 1)
 *  72  52  reserved, zero
 * 124   4  CRC32C of bytes 0..123
 * </pre>
 */
public record SegmentHeader(int version, UUID logId, long firstSeq, byte[] prevChain) {
    public static final int LENGTH = 128;
    /** The version written. */
    public static final int VERSION = 4;
    /**
     * The oldest version read: version 1 is version 2 without fill, version 2 is version 3 without sync marks,
     * version 3 is version 4 without batch marks.
     */
    public static final int OLDEST_VERSION = 1;
    static final byte[] MAGIC = {(byte) 0x89, 'A', 'F', 'M', '\r', '\n', 0x1A, '\n'};

    public SegmentHeader {
        if (prevChain.length != Hashes.SHA256_BYTES) {
            throw new IllegalArgumentException("prev chain must be 32 bytes");
        }
    }

    public static SegmentHeader create(UUID logId, long firstSeq, byte[] prevChain) {
        return new SegmentHeader(VERSION, logId, firstSeq, prevChain.clone());
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.put(MAGIC).putShort((short) version).putShort((short) LENGTH).putInt(0);
        b.putLong(logId.getMostSignificantBits()).putLong(logId.getLeastSignificantBits());
        b.putLong(firstSeq).put(prevChain);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, LENGTH - 4);
        b.putInt(LENGTH - 4, (int) crc.getValue());
        return b.array();
    }

    /**
     * Decodes and validates a header. The version is checked right after the magic, before the CRC:
     * a later version may lay out everything after it differently, and the user must hear "version N",
     * not "bad checksum".
     */
    public static SegmentHeader decode(byte[] bytes, int length, String segment) throws LogFormatException {
        if (length < MAGIC.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new LogFormatException(problem(ProblemKind.BAD_SEGMENT_HEADER, segment,
                    length < MAGIC.length ? "file is " + length + " bytes, shorter than the segment magic"
                            : "not an afterme segment (wrong magic)"));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
        int version = length >= 10 ? Short.toUnsignedInt(b.getShort(8)) : -1;
        if ((version < OLDEST_VERSION || version > VERSION) && version != -1) {
            throw new LogFormatException(problem(ProblemKind.UNSUPPORTED_VERSION, segment,
                    "format version " + version + " is not supported; this afterme reads format versions "
                            + OLDEST_VERSION + " to " + VERSION + "; use an afterme release that knows version "
                            + version));
        }
        if (length < LENGTH) {
            throw new LogFormatException(problem(ProblemKind.BAD_SEGMENT_HEADER, segment,
                    "header cut short: " + length + " of " + LENGTH + " bytes"));
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, LENGTH - 4);
        if ((int) crc.getValue() != b.getInt(LENGTH - 4)) {
            throw new LogFormatException(problem(ProblemKind.BAD_SEGMENT_HEADER, segment, "header CRC32C mismatch"));
        }
        int headerLength = Short.toUnsignedInt(b.getShort(10));
        if (headerLength != LENGTH) {
            throw new LogFormatException(problem(ProblemKind.BAD_SEGMENT_HEADER, segment,
                    "header length " + headerLength + ", expected " + LENGTH));
        }
        UUID logId = new UUID(b.getLong(16), b.getLong(24));
        long firstSeq = b.getLong(32);
        byte[] prev = Arrays.copyOfRange(bytes, 40, 72);
        if (firstSeq < 1) {
            throw new LogFormatException(problem(ProblemKind.BAD_SEGMENT_HEADER, segment, "first seq " + firstSeq));
        }
        return new SegmentHeader(version, logId, firstSeq, prev);
    }

    /**
     * Whether zeros may follow the last record of this segment while it is unsealed (FORMAT.md, "Fill"):
     * the writer zero-fills ahead so that an fdatasync after an append has no file size to write.
     */
    public boolean mayHaveFill() {
        return version >= 2;
    }

    /** Whether its records carry a sync mark (version 3): record type 2, where older versions hold type 1. */
    public boolean marksSyncs() {
        return version >= 3;
    }

    /**
     * Whether its records say where their batch ends (version 4): type 3 for a record that more records of
     * its request follow, type 2 for the last one, so that a batch a crash cut short is told from a whole one.
     */
    public boolean marksBatches() {
        return version >= 4;
    }

    /**
     * The type of a record written into this segment.
     *
     * @param batchGoesOn more records of the same request follow this one
     */
    public byte recordType(boolean batchGoesOn) {
        if (!marksSyncs()) {
            return RecordCodec.TYPE_DATA;
        }
        return batchGoesOn && marksBatches() ? RecordCodec.TYPE_BATCH_GOES_ON : RecordCodec.TYPE_MARKED;
    }

    /** Whether a record of {@code type} belongs in this segment (rule 3 of FORMAT.md's validity rules). */
    public boolean holdsType(byte type) {
        return type == recordType(false) || type == recordType(true);
    }

    private static Problem problem(ProblemKind kind, String segment, String message) {
        return new Problem(kind, segment, 0, 0, message);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentHeader h && h.version == version && h.logId.equals(logId)
                && h.firstSeq == firstSeq && Arrays.equals(h.prevChain, prevChain);
    }

    @Override
    public int hashCode() {
        return logId.hashCode() * 31 + Long.hashCode(firstSeq);
    }

    @Override
    public String toString() {
        return "SegmentHeader[v" + version + " log " + logId + " first " + firstSeq + "]";
    }
}
