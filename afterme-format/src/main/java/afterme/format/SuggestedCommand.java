package afterme.format;

import java.nio.file.Path;

/**
 * The tools' command lines that error messages and reports suggest, spelled in this one place so that
 * every suggestion runs as printed: the data directory is quoted for the shell ({@link ShellWord}) and the
 * flags are the tools' own.
 */
public final class SuggestedCommand {
    private SuggestedCommand() {
    }

    /** {@code afterme verify DIR}: the full account of the log's damage. */
    public static String verify(Path dir) {
        return "afterme verify " + ShellWord.of(dir);
    }

    /** {@code afterme recover DIR}: cuts a torn tail, backing its bytes up first. */
    public static String recover(Path dir) {
        return "afterme recover " + ShellWord.of(dir);
    }

    /** {@code afterme recover DIR --truncate-at-seq SEQ}: cuts {@code seq} and every record after it. */
    public static String recoverAt(Path dir, long seq) {
        return recover(dir) + " --truncate-at-seq " + seq;
    }

    /** {@code afterme recover DIR --dry-run --truncate-at-seq SEQ}: shows that cut without making it. */
    public static String recoverDryRunAt(Path dir, long seq) {
        return recover(dir) + " --dry-run --truncate-at-seq " + seq;
    }
}
