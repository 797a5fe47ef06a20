package afterme.daemon.http;

import afterme.daemon.log.Append;
import afterme.daemon.log.AppendResult;
import afterme.format.Hashes;
import afterme.format.RecordJson;
import java.nio.charset.StandardCharsets;

/**
 * The 200 reply to an append, rendered straight into ASCII: every value in it is a number, a
 * boolean, lower-case hex or an RFC 3339 time, none of which JSON escapes. Every append is answered
 * with one, so it skips the map and the JSON generator of {@link Replies#json}, which were 15% of
 * what the daemon allocated for a 100-byte append (JFR allocation samples).
 */
final class AppendReply {
    private AppendReply() {
    }

    static byte[] render(Append append, AppendResult r, boolean durable) {
        StringBuilder b = new StringBuilder(192);
        if (append.batch()) {
            b.append("{\"first_seq\":").append(r.firstSeq()).append(",\"last_seq\":").append(r.lastSeq())
                    .append(",\"count\":").append(r.count());
        } else {
            b.append("{\"seq\":").append(r.firstSeq()).append(",\"time\":\"");
            RecordJson.appendTime(b, r.time().getEpochSecond(), r.time().getNano())
                    .append("\",\"size\":").append(append.size(0))
                    .append(",\"sha256\":\"").append(Hashes.hex(append.sha256(0))).append('"');
        }
        b.append(",\"durable\":").append(durable);
        if (r.duplicate()) {
            b.append(",\"duplicate\":true");
        }
        return b.append("}\n").toString().getBytes(StandardCharsets.US_ASCII);
    }
}
