package afterme.forward;

/**
 * The broker refused one message for good (too large, unroutable): sending it again would be refused
 * again. The forwarder stops or dead-letters the record, as {@code --on-reject} says.
 */
public final class RejectedException extends Exception {
    public RejectedException(String reason) {
        super(reason);
    }

    public RejectedException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
