package afterme.format;

/**
 * A path or value as one word of a POSIX shell command line, for the commands that messages suggest: a
 * suggested command must run as printed, and a data directory may hold a space or a quote.
 */
public final class ShellWord {
    private ShellWord() {
    }

    /**
     * {@code value}'s text as it is when the shell reads it as one word unchanged; else in double quotes
     * when none of the characters the shell expands there is in it; else in single quotes, each single
     * quote in it written as {@code '\''}.
     */
    public static String of(Object value) {
        String s = String.valueOf(value);
        if (!s.isEmpty() && s.chars().allMatch(ShellWord::plain)) {
            return s;
        }
        if (s.chars().noneMatch(c -> c == '$' || c == '`' || c == '\\' || c == '"' || c == '!')) {
            return '"' + s + '"';
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static boolean plain(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "/._-+,:=@%".indexOf(c) >= 0;
    }
}
