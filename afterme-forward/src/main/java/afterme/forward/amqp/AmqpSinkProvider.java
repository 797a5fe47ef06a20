package afterme.forward.amqp;

import afterme.forward.Sink;
import afterme.forward.SinkProvider;
import afterme.forward.SinkTarget;
import java.io.IOException;

/** {@code amqp://HOST:PORT/VHOST?exchange=E&routing_key=K}: RabbitMQ through AMQP 0-9-1. */
public final class AmqpSinkProvider implements SinkProvider {
    @Override
    public String scheme() {
        return "amqp";
    }

    @Override
    public void validate(SinkTarget target) {
        target.allowOnly("exchange", "routing_key");
        if (target.param("exchange") == null && target.param("routing_key") == null) {
            throw new IllegalArgumentException("an amqp URI needs ?exchange=E&routing_key=K (or routing_key=QUEUE alone,"
                    + " for the default exchange): " + target);
        }
    }

    @Override
    public Sink connect(SinkTarget target) throws IOException {
        return AmqpSink.connect(target);
    }
}
