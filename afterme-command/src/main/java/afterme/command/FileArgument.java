package afterme.command;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file a command is given to read (a payload, a token, a keystore), checked before anything is done with
 * it, so that every tool refuses one the same way and with its path: read as a file, a directory says only
 * "Is a directory". A pipe passes ({@code <(pass show afterme)}), as cat reads one.
 */
public final class FileArgument {
    private FileArgument() {
    }

    /** Why {@code file} cannot be read as a file ("F is a directory, not a file", "F does not exist"), or null. */
    public static String unreadable(Path file) {
        return Files.isDirectory(file) ? file + " is a directory, not a file"
                : Files.exists(file) ? null : file + " does not exist";
    }
}
