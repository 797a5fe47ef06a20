package afterme.forward;

import java.util.Locale;

/** What a forwarder does with a record the broker refuses for good ({@code --on-reject}). */
public enum OnReject {
    /** Halt, with the reason in the status and metrics, until an operator acts. */
    STOP,
    /** Append the record's JSON line to {@code DIR/forward/NAME.dead-letter.ndjson}, fsynced, and go on. */
    DEAD_LETTER;

    public static OnReject parse(String text) {
        return switch (text) {
            case "stop" -> STOP;
            case "dead-letter" -> DEAD_LETTER;
            default -> throw new IllegalArgumentException("on-reject must be stop or dead-letter, not '" + text + "'");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
