package afterme.forward;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A connection to one broker, made by a {@link SinkProvider}. The forwarder calls it from its own thread
 * only; the futures it returns may complete on any thread.
 */
public interface Sink extends AutoCloseable {
    /**
     * Sends one message without waiting for the broker. The future completes when the broker has confirmed
     * that it holds the message, with true when the broker said it already held it and dropped this copy
     * (de-duplication), else false; it fails with {@link RejectedException} when the broker refused this message
     * for good (it would refuse it again), and with any other exception when the connection failed, in which
     * case the forwarder reconnects and sends again from the last confirmed record.
     */
    CompletableFuture<Boolean> publish(Message message);

    /** Pushes out whatever {@link #publish} buffered. Called after each group of messages. */
    default void flush() throws IOException {
    }

    /**
     * The seq of the last record of log {@code logId} that the broker already holds, read back from it, so
     * that a restart sends nothing twice; -1 when the broker cannot tell (the checkpoint decides alone).
     */
    default long lastSeqHeld(String logId) throws IOException {
        return -1;
    }

    /** Closes the connection; messages not yet confirmed are left to the next connection. Never throws. */
    @Override
    void close();
}
