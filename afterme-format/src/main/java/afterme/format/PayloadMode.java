package afterme.format;

/** How a record's payload appears in its JSON rendering (SPEC §3, {@code --payload}). */
public enum PayloadMode {
    /** JSON when it parses as one JSON value, else UTF-8 text when valid, else base64. */
    AUTO,
    UTF8,
    BASE64,
    /** Leave the payload out. */
    NONE
}
