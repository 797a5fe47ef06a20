package afterme.daemon.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** JSON replies and the SPEC's error shape {@code {"error":"<code>","message":"..."}}. Stateless. */
final class Replies {
    private static final JsonFactory JSON = new JsonFactory();

    private Replies() {
    }

    /** An ordered JSON object under construction. */
    static Map<String, Object> object() {
        return new LinkedHashMap<>();
    }

    static String json(Map<String, Object> fields) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
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
        return out.toString();
    }

    static void send(Response response, Callback callback, int status, Map<String, Object> fields) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        byte[] body = (json(fields) + "\n").getBytes(StandardCharsets.UTF_8);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    static void error(Response response, Callback callback, int status, String code, String message) {
        Map<String, Object> f = object();
        f.put("error", code);
        f.put("message", message);
        send(response, callback, status, f);
    }
}
