package afterme.daemon.http;

import afterme.format.RecordJson;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** JSON replies and the error shape {@code {"error":"<code>","message":"..."}}. Stateless. */
public final class Replies {
    private Replies() {
    }

    /** An ordered JSON object under construction. */
    static Map<String, Object> object() {
        return new LinkedHashMap<>();
    }

    /** The object as one JSON line in UTF-8, written as bytes (no String in between). */
    static byte[] json(Map<String, Object> fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = RecordJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : fields.entrySet()) {
                g.writeFieldName(e.getKey());
                Object v = e.getValue();
                if (v instanceof Long l) {
                    g.writeNumber(l);
                } else if (v instanceof Integer i) {
                    g.writeNumber(i);
                } else if (v instanceof Boolean b) {
                    g.writeBoolean(b);
                } else {
                    g.writeString(String.valueOf(v));
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    static void send(Response response, Callback callback, int status, Map<String, Object> fields) {
        sendBytes(response, callback, status, json(fields));
    }

    /** A reply whose body is JSON already rendered. */
    static void sendBytes(Response response, Callback callback, int status, byte[] json) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(json), callback);
    }

    /**
     * An error sent before the request's body is read. The body may still be on its way; Jetty, finding it
     * unread once the reply is sent, closes the connection, and saying so in the reply keeps the client
     * from sending its next request on a connection about to close.
     */
    static void refuse(Request request, Response response, Callback callback, int status, String code,
                       String message) {
        if (request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        error(response, callback, status, code, message);
    }

    public static void error(Response response, Callback callback, int status, String code, String message) {
        Map<String, Object> f = object();
        f.put("error", code);
        f.put("message", message);
        send(response, callback, status, f);
    }
}
