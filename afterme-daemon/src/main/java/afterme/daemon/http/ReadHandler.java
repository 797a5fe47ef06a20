package afterme.daemon.http;

import afterme.daemon.log.Log;
import afterme.format.Hashes;
import afterme.format.LogCursor;
import afterme.format.LogRecord;
import afterme.format.PayloadMode;
import afterme.format.RecordJson;
import afterme.format.SegmentHeader;
import afterme.format.SuggestedCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/** The read endpoints: one record raw, a range as NDJSON, and the log's description. */
final class ReadHandler {
    static final int DEFAULT_LIMIT = 1000;
    private static final Pattern SEQ = Pattern.compile("-?[0-9]+");
    static final int MAX_LIMIT = 100_000;
    /** A range reply stops growing past this many bytes; the client asks again from the next seq. */
    private static final int MAX_RANGE_BYTES = 64 << 20;

    private final Log log;

    ReadHandler(Log log) {
        this.log = log;
    }

    /**
     * One record's payload. A record's ETag is its SHA-256, so a client that holds it (If-None-Match) is
     * answered 304 without the payload; the ETag changes if a crash took back a memory-acked record and the
     * seq was given to another.
     */
    void record(String seqText, List<String> ifNoneMatch, Response response, Callback callback) throws IOException {
        if (!SEQ.matcher(seqText).matches()) {
            Replies.error(response, callback, 400, "bad_request", "'" + seqText + "' is not a seq");
            return;
        }
        // Taken before the read: a seq the writer publishes after it is not in the log this read saw.
        long last = log.lastSeq();
        long seq = seq(seqText);
        LogRecord r = log.read(seq);
        if (r == null) {
            if (seq >= 1 && seq <= last) {
                // Only a log cut back by recovery, or files moved or deleted under the daemon, lose one.
                Replies.error(response, callback, 503, "unavailable", missing(seqText, last));
            } else {
                Replies.error(response, callback, 404, "not_found", "seq " + seqText + " is not in the log (last seq "
                        + last + ")");
            }
            return;
        }
        var h = response.getHeaders();
        h.put("Repr-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(r.sha256()) + ":");
        String etag = "\"" + Hashes.hex(r.sha256()) + "\"";
        h.put(HttpHeader.ETAG, etag);
        h.put("Afterme-Seq", Long.toString(r.seq()));
        h.put("Afterme-Time", RecordJson.formatTime(r.epochSecond(), r.nanos()));
        h.put("Afterme-Zone", r.zone());
        if (matches(ifNoneMatch, etag)) {
            // RFC 9110 allows a 304 no Content-Length but the one a 200 would have had.
            h.put(HttpHeader.CONTENT_LENGTH, r.payload().length);
            response.setStatus(304);
            callback.succeeded();
            return;
        }
        h.put(HttpHeader.CONTENT_TYPE, r.contentType() != null ? r.contentType() : "application/octet-stream");
        response.setStatus(200);
        response.write(true, ByteBuffer.wrap(r.payload()), callback);
    }

    /** Why a seq the log holds could not be read. */
    private String missing(String seq, long last) {
        return "seq " + seq + " is in the log (last seq " + last + ") but no segment holds it now: the log is"
                + " recovering, or its files were moved or deleted; if this lasts, run '"
                + SuggestedCommand.verify(log.dataDir()) + "'";
    }

    /** The seq {@link #SEQ} matched; one past a long's range is outside the log as much as -1 is. */
    private static long seq(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException pastALong) {
            return -1;
        }
    }

    /** If-None-Match's weak comparison (RFC 9110, 13.1.2): any listed tag, weak or strong, or {@code *}. */
    private static boolean matches(List<String> ifNoneMatch, String etag) {
        for (String line : ifNoneMatch) {
            for (String tag : line.split(",")) {
                String t = tag.strip();
                if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
                    return true;
                }
            }
        }
        return false;
    }

    void range(Fields q, Response response, Callback callback) throws IOException {
        long from;
        long limit;
        try {
            from = QueryParameters.number(q.getValue("from"), 1, "from");
            limit = Math.min(QueryParameters.number(q.getValue("limit"), DEFAULT_LIMIT, "limit"), MAX_LIMIT);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "bad_request", e.getMessage());
        }
        PayloadMode mode = payloadMode(q.getValue("payload"));
        long last = log.lastSeq();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordJson.LineWriter json = new RecordJson.LineWriter(out, mode, RecordJson.Location.INCLUDE);
        try (LogCursor cursor = log.cursor(from)) {
            long sent = 0;
            // The seq is checked before the read: past the last record the writer may be mid-write.
            while (cursor.nextSeq() <= last && sent < limit && out.size() < MAX_RANGE_BYTES) {
                LogRecord r = cursor.next();
                if (r == null) {
                    if (sent == 0) {
                        // Else an empty 200 would say there is nothing from here, where the log has it.
                        throw new HttpError(503, "unavailable", missing(Long.toString(cursor.nextSeq()), last));
                    }
                    break;
                }
                json.write(r);
                json.flush();
                sent++;
            }
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-ndjson");
        response.write(true, ByteBuffer.wrap(out.toByteArray()), callback);
    }

    void describe(Response response, Callback callback) throws IOException {
        List<Path> segments = log.segments();
        long bytes = 0;
        for (Path s : segments) {
            bytes += log.bytes(s);
        }
        long last = log.lastSeq();
        Map<String, Object> f = Replies.object();
        f.put("log_id", log.logId().toString());
        f.put("first_seq", last > 0 ? 1L : 0L);
        f.put("last_seq", last);
        f.put("durable_seq", log.durableSeq());
        f.put("segments", segments.size());
        f.put("bytes", bytes);
        f.put("format_version", SegmentHeader.VERSION);
        f.put("chain_head", Hashes.hex(log.chainHead()));
        Replies.send(response, callback, 200, f);
    }

    static PayloadMode payloadMode(String value) {
        if (value == null) {
            return PayloadMode.AUTO;
        }
        try {
            return PayloadMode.parse(value);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "bad_request", "payload " + e.getMessage());
        }
    }
}
