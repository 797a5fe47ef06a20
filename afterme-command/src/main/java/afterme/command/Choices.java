package afterme.command;

import java.util.ArrayList;
import java.util.List;

/** The values of options that take one of a few words, for completion and for the help text. */
public final class Choices {
    private Choices() {
    }

    /** {@code --payload}: how a payload is written. */
    public static final class PayloadModes extends ArrayList<String> {
        public PayloadModes() {
            super(List.of("auto", "utf8", "base64", "none"));
        }
    }

    /** {@code --ack}: when an append is acknowledged. */
    public static final class AckLevels extends ArrayList<String> {
        public AckLevels() {
            super(List.of("memory", "durable"));
        }
    }
}
