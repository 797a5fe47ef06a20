package afterme.forward;

import java.io.IOException;

/**
 * Makes sinks for one URI scheme. Found through {@link java.util.ServiceLoader}: a jar on the class path
 * with a {@code META-INF/services/afterme.forward.SinkProvider} file naming its provider adds a scheme.
 */
public interface SinkProvider {
    /** The URI scheme this provider takes, e.g. {@code amqp}. */
    String scheme();

    /**
     * Checks the target's parameters without connecting.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    void validate(SinkTarget target);

    /**
     * Connects to the broker.
     *
     * @throws IOException when the broker cannot be reached; the forwarder retries with backoff
     */
    Sink connect(SinkTarget target) throws IOException;
}
