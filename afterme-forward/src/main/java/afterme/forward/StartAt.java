package afterme.forward;

/**
 * Where a forwarder without a checkpoint starts. A forwarder with one always resumes after it.
 *
 * @param seq the first seq to send, for {@link Kind#SEQ}
 */
public record StartAt(Kind kind, long seq) {
    public enum Kind { START, END, SEQ }

    public static final StartAt START = new StartAt(Kind.START, 1);
    public static final StartAt END = new StartAt(Kind.END, 0);

    public static StartAt seq(long seq) {
        if (seq < 1) {
            throw new IllegalArgumentException("the first seq to forward must be 1 or more, not " + seq);
        }
        return new StartAt(Kind.SEQ, seq);
    }

    /** {@code start}, {@code end} or a seq, as the {@code from} parameter of {@code serve --forward} takes it. */
    public static StartAt parse(String text) {
        return switch (text) {
            case "start" -> START;
            case "end" -> END;
            default -> {
                try {
                    yield seq(Long.parseLong(text));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("from must be start, end or a seq, not '" + text + "'");
                }
            }
        };
    }
}
