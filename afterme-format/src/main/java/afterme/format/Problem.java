package afterme.format;

/**
 * One finding of a scan: what ({@link #kind}), where ({@link #segment}, byte {@link #offset}), which
 * record ({@link #seq}, the seq expected at that place; 0 when none applies) and a human sentence.
 */
public record Problem(ProblemKind kind, String segment, long offset, long seq, String message) {

    /**
     * The bytes after a segment's last valid record. A record torn in a fill is followed by up to a MiB of
     * the fill's zeros; the message says how many, so that nobody takes them for a lost MiB of records.
     *
     * @param zeros how many of the last bytes are zeros in a segment that may have a fill, else 0
     * @param why   what is wrong with the first bytes, or null
     * @param next  what to do about it, or null
     */
    static Problem tornTail(String segment, long offset, long seq, long bytes, long zeros, String why, String next) {
        return new Problem(ProblemKind.TORN_TAIL, segment, offset, seq, bytes + " bytes after the last valid record"
                + (why != null ? " (" + why + ")" : "")
                + (zeros > 0 ? "; the last " + zeros + " of them are zeros (the fill written ahead of the records)" : "")
                + (next != null ? "; " + next : ""));
    }

    /**
     * The torn tail of a batch whose last record was never written: from its first record, {@code firstSeq}
     * at {@code offset}, to the end of the file. A batch is appended whole or not at all, so what was written
     * of it is cut whole.
     *
     * @param lastSeq the last of its records in the file
     * @param then    what is wrong with the bytes after them, or null when the file ends there
     */
    static Problem unfinishedBatch(String segment, long offset, long firstSeq, long lastSeq, long bytes, long zeros,
                                   String then, String next) {
        String why = "seq " + firstSeq + (lastSeq > firstSeq ? " to " + lastSeq + " begin" : " begins")
                + " a batch whose last record was never written" + (then != null ? "; then " + then : "");
        return tornTail(segment, offset, firstSeq, bytes, zeros, why, next);
    }

    /** "segment S offset O seq N: kind: message" — the shape every tool prints. */
    public String describe() {
        return "segment " + segment + " offset " + offset + (seq > 0 ? " seq " + seq : "") + ": "
                + kind.code() + ": " + message;
    }
}
