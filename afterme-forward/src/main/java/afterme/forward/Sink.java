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
     * How far the broker already holds log {@code logId} past the checkpoint, read back from it, so that a
     * restart sends nothing twice: the highest seq h such that the broker holds every record from
     * {@code confirmedSeq + 1} to h. Never past a record it lacks, so that nothing is skipped. Returns
     * {@code confirmedSeq} when the broker cannot tell (the checkpoint then decides alone).
     */
    default long heldThrough(String logId, long confirmedSeq) throws IOException {
        return confirmedSeq;
    }

    /** Closes the connection; messages not yet confirmed are left to the next connection. Never throws. */
    @Override
    void close();
}
