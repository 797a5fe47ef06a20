package afterme.format;

/**
 * What the bytes at one offset of a segment are: FORMAT.md's record rules 1 to 4, numbered as there, plus
 * the fill, the trailer and the end of the file. Every reader of records asks the one check that returns
 * this ({@link RecordCodec#check}, {@link SegmentWindow#frameAt}) and decides by it; rules 5 to 7 (seq,
 * chain, SHA-256) concern a record's place in the log and are the walker's.
 */
public enum FrameVerdict {
    /** Nothing there: the offset is the end of the file. */
    END,
    /** A record that passes rules 1 to 4. */
    RECORD,
    /** A trailer's magic and a CRC32C that holds; its fields are checked against the records before it. */
    TRAILER,
    /** In a segment that may end in fill: zeros where a record's magic belongs (as many as the file holds, up to 4). */
    FILL,
    /** Rule 1 or 2: fewer bytes than the frame needs, or a length that runs past the end of the file. */
    PAST_END,
    /** Rule 1: neither a record's magic nor a trailer's. */
    BAD_MAGIC,
    /** Rule 2: a length below the smallest record (104 bytes). */
    BAD_LENGTH,
    /** Rule 3: the record type, zone length, nanoseconds, or lengths that do not add up to L. */
    BAD_FIELDS,
    /** Rule 4: the CRC32C of a frame the file holds whole does not match (a trailer's included). */
    BAD_CRC;

    /** The sentence a problem report gives for a frame that fails. */
    String why() {
        return switch (this) {
            case PAST_END -> "the frame runs past the end of the file (rule 2)";
            case BAD_MAGIC -> "no record or trailer magic (rule 1)";
            case BAD_LENGTH -> "record length below 104 bytes (rule 2)";
            case BAD_FIELDS -> "record fields do not add up (rule 3)";
            case BAD_CRC -> "CRC32C mismatch (rule 4)";
            case FILL -> "the fill after the last record holds bytes other than zeros";
            default -> name();
        };
    }
}
