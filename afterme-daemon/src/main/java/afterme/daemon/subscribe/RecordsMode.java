package afterme.daemon.subscribe;

import java.util.Locale;

/** {@code records=durable|all|none} of {@code /v1/subscribe}. */
public enum RecordsMode {
    /** Records once durable, so a crash can never take back what a subscriber saw. */
    DURABLE,
    /** Records once written (memory ack), durable messages as they come. */
    ALL,
    /** Durable messages only. */
    NONE;

    public static RecordsMode parse(String value) {
        if (value == null) {
            return DURABLE;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "durable" -> DURABLE;
            case "all" -> ALL;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("records must be durable, all or none, not '" + value + "'");
        };
    }
}
