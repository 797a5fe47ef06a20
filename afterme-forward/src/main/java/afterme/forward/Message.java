package afterme.forward;

import afterme.format.Hashes;
import afterme.format.LogRecord;
import afterme.format.RecordJson;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One record as a broker receives it: the payload unchanged as the body, and the headers every sink sets
 * (README.md, "Forwarding"). Immutable; the payload array is shared with the record and must not be changed.
 *
 * @param contentType the record's stored content type, or null when it has none
 */
public record Message(String logId, long seq, long epochNanos, String sha256, String contentType, byte[] payload) {
    public static final String LOG_ID = "afterme-log-id";
    public static final String SEQ = "afterme-seq";
    public static final String TIME = "afterme-time";
    public static final String SHA256 = "afterme-sha256";
    public static final String CONTENT_TYPE = "content-type";

    static Message of(String logId, LogRecord r) {
        return new Message(logId, r.seq(), r.epochNanos(), Hashes.hex(r.sha256()), r.contentType(),
                r.payload());
    }

    /** The record's time as a record's JSON writes it (docs/HTTP.md): RFC 3339 in UTC with nine fraction digits. */
    public String time() {
        return RecordJson.formatTime(Math.floorDiv(epochNanos, 1_000_000_000L),
                (int) Math.floorMod(epochNanos, 1_000_000_000L));
    }

    public long epochMillis() {
        return Math.floorDiv(epochNanos, 1_000_000L);
    }

    /** {@code <log_id>:<seq>}: the message id wherever the broker has one, the same on every resend. */
    public String id() {
        return logId + ":" + seq;
    }

    /** The afterme headers in a fixed order; the content type last, and only when the record has one. */
    public Map<String, String> headers() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(LOG_ID, logId);
        h.put(SEQ, Long.toString(seq));
        h.put(TIME, time());
        h.put(SHA256, sha256);
        if (contentType != null) {
            h.put(CONTENT_TYPE, contentType);
        }
        return h;
    }
}
