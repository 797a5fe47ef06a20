package afterme.forward.kafka;

import afterme.forward.Sink;
import afterme.forward.SinkProvider;
import afterme.forward.SinkTarget;
import java.io.IOException;

/** {@code kafka://HOST:PORT?topic=T[&partition=N]}: Kafka, every record to one partition (0 by default). */
public final class KafkaSinkProvider implements SinkProvider {
    @Override
    public String scheme() {
        return "kafka";
    }

    @Override
    public void validate(SinkTarget target) {
        target.allowOnly("topic", "partition");
        target.required("topic");
        KafkaSink.partition(target);
    }

    @Override
    public Sink connect(SinkTarget target) throws IOException {
        return KafkaSink.connect(target);
    }
}
