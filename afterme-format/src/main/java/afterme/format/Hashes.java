package afterme.format;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 and hex helpers. MessageDigest is not thread-safe, so each thread gets its own. */
public final class Hashes {
    public static final int SHA256_BYTES = 32;
    private static final HexFormat HEX = HexFormat.of();
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Hashes::newSha256);

    private Hashes() {
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide SHA-256", e);
        }
    }

    /** The calling thread's SHA-256 digest, reset. */
    public static MessageDigest sha256() {
        MessageDigest md = SHA256.get();
        md.reset();
        return md;
    }

    public static byte[] sha256(byte[] data, int offset, int length) {
        MessageDigest md = sha256();
        md.update(data, offset, length);
        return md.digest();
    }

    public static byte[] sha256(byte[] data) {
        return sha256(data, 0, data.length);
    }

    /** The SHA-256 of pieces read from each one's position to its limit, which are left as they are. */
    public static byte[] sha256(ByteBuffer[] pieces) {
        MessageDigest md = sha256();
        for (ByteBuffer piece : pieces) {
            md.update(piece.duplicate());
        }
        return md.digest();
    }

    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }
}
