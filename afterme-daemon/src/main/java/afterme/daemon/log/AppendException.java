package afterme.daemon.log;

/** Why an append was refused or failed. Nothing of a failed append is in the log. */
public class AppendException extends RuntimeException {
    /** What went wrong, so that the HTTP layer can pick the status. */
    public enum Reason {
        /** {@code Afterme-Expected-Last-Seq} did not match; see {@link #lastSeq()}. */
        CONFLICT,
        /** The disk is full. */
        NO_SPACE,
        /** Any other I/O error, a failed fsync, or a log that is closing or recovering. */
        UNAVAILABLE
    }

    private final Reason reason;
    private final long lastSeq;

    public AppendException(Reason reason, String message, long lastSeq, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.lastSeq = lastSeq;
    }

    public Reason reason() {
        return reason;
    }

    /** The log's last seq when the append was judged (for {@link Reason#CONFLICT}). */
    public long lastSeq() {
        return lastSeq;
    }
}
