package afterme.format;

import java.util.Locale;

/** How a record's payload appears in its JSON rendering ({@code --payload}, docs/HTTP.md). */
public enum PayloadMode {
    /** JSON when it parses as one JSON value, else UTF-8 text when valid, else base64. */
    AUTO,
    UTF8,
    BASE64,
    /** Leave the payload out. */
    NONE;

    /**
     * The mode a user named ({@code auto}, {@code utf8}, {@code base64}, {@code none}, any case).
     *
     * @throws IllegalArgumentException naming what is taken, for the caller to prefix with its option's name
     */
    public static PayloadMode parse(String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be auto, utf8, base64 or none, not '" + value + "'", e);
        }
    }
}
