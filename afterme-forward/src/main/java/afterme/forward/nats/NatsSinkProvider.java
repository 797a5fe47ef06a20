package afterme.forward.nats;

import afterme.forward.Sink;
import afterme.forward.SinkProvider;
import afterme.forward.SinkTarget;
import java.io.IOException;

/** {@code nats://HOST:PORT?subject=S[&stream=NAME]}: NATS JetStream. */
public final class NatsSinkProvider implements SinkProvider {
    @Override
    public String scheme() {
        return "nats";
    }

    @Override
    public void validate(SinkTarget target) {
        target.allowOnly("subject", "stream");
        target.required("subject");
    }

    @Override
    public Sink connect(SinkTarget target) throws IOException {
        return NatsSink.connect(target);
    }
}
