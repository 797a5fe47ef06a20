package afterme.format;

import java.util.Locale;

/** The kinds of damage a reader can find; their JSON names are FORMAT.md's (lower snake case). */
public enum ProblemKind {
    /** Bytes after the last valid record that no valid record follows: a writer that died mid-write. */
    TORN_TAIL,
    /** A record whose CRC32C does not match, or whose framing is impossible, followed by valid data. */
    BAD_CHECKSUM,
    /** A record whose CRC is intact but whose payload does not hash to its stored SHA-256. */
    BAD_HASH,
    /** A record whose chain hash does not follow from the previous record. */
    CHAIN_BREAK,
    /** A record (or segment) whose seq is not the one expected next. */
    SEQ_GAP,
    /** A segment header that is short, has the wrong magic or a bad CRC. */
    BAD_SEGMENT_HEADER,
    /** A segment written by a format version this reader does not know. */
    UNSUPPORTED_VERSION,
    /** A segment that is not the last one but has no valid trailer. */
    MISSING_TRAILER,
    /** A trailer whose fields contradict the records before it. */
    BAD_TRAILER,
    /** A segment whose log id differs from the other segments'. */
    LOG_ID_MISMATCH,
    /** A segment whose file name does not match the first seq in its header. */
    BAD_SEGMENT_NAME;

    /** The name used in JSON reports and messages, e.g. {@code torn_tail}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
