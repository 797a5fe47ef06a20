package afterme.daemon.http;

import afterme.daemon.forward.Forwarders;
import afterme.format.RecordJson;
import afterme.forward.ForwarderStatus;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/** {@code GET /v1/forwarders}: a JSON array, one object per forwarder. Stateless. */
final class ForwardersJson {
    private ForwardersJson() {
    }

    static byte[] render(List<Forwarders.View> views) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = RecordJson.FACTORY.createGenerator(out)) {
            g.writeStartArray();
            for (Forwarders.View v : views) {
                ForwarderStatus s = v.status();
                g.writeStartObject();
                g.writeStringField("name", s.name());
                g.writeStringField("sink", s.sink());
                g.writeStringField("state", s.state().label());
                g.writeNumberField("forwarded_seq", s.forwardedSeq());
                g.writeNumberField("lag_records", v.lagRecords());
                g.writeNumberField("lag_seconds", Math.round(v.lagSeconds() * 1000) / 1000.0);
                g.writeStringField("last_error", s.lastError());
                g.writeNumberField("retries", s.retries());
                g.writeNumberField("dead_lettered", s.deadLettered());
                g.writeNumberField("duplicates", s.duplicates());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        out.write('\n');
        return out.toByteArray();
    }
}
