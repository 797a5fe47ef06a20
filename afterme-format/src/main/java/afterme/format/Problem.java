package afterme.format;

/**
 * One finding of a scan: what ({@link #kind}), where ({@link #segment}, byte {@link #offset}), which
 * record ({@link #seq}, the seq expected at that place; 0 when none applies) and a human sentence.
 */
public record Problem(ProblemKind kind, String segment, long offset, long seq, String message) {

    /** "segment S offset O seq N: kind: message" — the shape every tool prints. */
    public String describe() {
        return "segment " + segment + " offset " + offset + (seq > 0 ? " seq " + seq : "") + ": "
                + kind.code() + ": " + message;
    }
}
