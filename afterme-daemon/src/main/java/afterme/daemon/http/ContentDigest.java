package afterme.daemon.http;

import afterme.format.Hashes;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;

/**
 * The SHA-256 a request's {@code Content-Digest} (RFC 9530) claims for its body. The field is a dictionary
 * (RFC 9651) of algorithms to byte sequences, {@code sha-256=:BASE64:}; a member that is not one is refused,
 * where reading past it would leave a client that forgot the colons ({@code sha-256=BASE64}) believing its
 * body was checked. Algorithms other than sha-256 are ignored, as RFC 9530 lets a recipient do.
 */
final class ContentDigest {
    private static final String FIELD = "Content-Digest";
    /** A key, a value up to its parameters, and the parameters, which no algorithm here reads. */
    private static final Pattern MEMBER =
            Pattern.compile("\\s*([A-Za-z*][A-Za-z0-9_.*-]*)\\s*(?:=\\s*([^;]*?))?\\s*(?:;.*)?");

    private ContentDigest() {
    }

    /**
     * The SHA-256 claimed, or null when the request claims none. Every line of the field counts: RFC 9651
     * lets a dictionary be split over several.
     *
     * @throws HttpError 400 {@code bad_request} when the field is not a dictionary of byte sequences, or its
     *                   sha-256 is not 32 bytes
     */
    static byte[] claimedSha256(HttpFields headers) {
        // Asked for the list only when there is one, which most appends never send.
        if (headers.get(FIELD) == null) {
            return null;
        }
        byte[] claimed = null;
        for (String member : String.join(",", headers.getValuesList(FIELD)).split(",", -1)) {
            Matcher m = MEMBER.matcher(member);
            String value = m.matches() ? m.group(2) : null;
            if (value == null || value.length() < 2 || value.charAt(0) != ':'
                    || value.charAt(value.length() - 1) != ':') {
                throw malformed("'" + member.strip() + "' is not an algorithm and a byte sequence");
            }
            if (m.group(1).equalsIgnoreCase("sha-256")) {
                try {
                    claimed = Base64.getDecoder().decode(value.substring(1, value.length() - 1));
                } catch (IllegalArgumentException e) {
                    throw malformed("its sha-256 is not base64");
                }
                if (claimed.length != Hashes.SHA256_BYTES) {
                    throw malformed("its sha-256 is " + claimed.length + " bytes, where a SHA-256 is "
                            + Hashes.SHA256_BYTES);
                }
            }
        }
        return claimed;
    }

    private static HttpError malformed(String why) {
        return new HttpError(400, "bad_request", FIELD + ": " + why + "; give sha-256=:BASE64: (RFC 9530), the"
                + " body's SHA-256 in base64 between colons; nothing was appended");
    }
}
