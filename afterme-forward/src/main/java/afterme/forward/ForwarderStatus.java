package afterme.forward;

import java.util.Locale;

/**
 * One forwarder as {@code /v1/forwarders}, {@code /metrics} and {@code afterme forward} show it. Immutable.
 *
 * @param forwardedSeq the last seq the broker confirmed
 * @param lastError    why the forwarder last failed or stopped, or null
 */
public record ForwarderStatus(String name, String sink, State state, long forwardedSeq, String lastError,
                              long retries, long deadLettered, long duplicates) {
    /**
     * A forwarder's state; {@link #STOPPED} waits for an operator, {@link #RETRYING} for the broker (or, at
     * start, for the log's files to be read).
     */
    public enum State {
        STARTING, RUNNING, RETRYING, STOPPED, CLOSED;

        /** The forwarder's thread has ended. */
        public boolean ended() {
            return this == STOPPED || this == CLOSED;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
