package afterme.format;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The 64-byte trailer that closes a sealed segment (FORMAT.md, "Trailer"). Big-endian.
 *
 * <pre>
 *   0   4  magic 0x41465431 ("AFT1")
 *   4   4  CRC32C of bytes 8..63
 *   8   8  last seq
 *  16   8  record count
 *  24  32  chain head (chain of the last record)
 *  56   8  data length: the trailer's own offset in the file
 * </pre>
 */
public record Trailer(long lastSeq, long recordCount, byte[] chainHead, long dataLength) {
    public static final int LENGTH = 64;
    public static final int MAGIC = 0x41465431;

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.putInt(MAGIC).putInt(0).putLong(lastSeq).putLong(recordCount).put(chainHead).putLong(dataLength);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 8, LENGTH - 8);
        b.putInt(4, (int) crc.getValue());
        return b.array();
    }

    /** The trailer at {@code b[pos, pos+64)}, or null when its magic or CRC is wrong. */
    public static Trailer tryDecode(ByteBuffer b, int pos) {
        if (b.getInt(pos) != MAGIC) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(b.slice(pos + 8, LENGTH - 8));
        if ((int) crc.getValue() != b.getInt(pos + 4)) {
            return null;
        }
        byte[] head = new byte[Hashes.SHA256_BYTES];
        b.get(pos + 24, head);
        return new Trailer(b.getLong(pos + 8), b.getLong(pos + 16), head, b.getLong(pos + 56));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Trailer t && t.lastSeq == lastSeq && t.recordCount == recordCount
                && Arrays.equals(t.chainHead, chainHead) && t.dataLength == dataLength;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(lastSeq);
    }
}
