package afterme.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The directories under a data directory that the tools and the daemon create as they need them. */
public final class Directories {
    private Directories() {
    }

    /**
     * Creates {@code dir} and its parents when missing. A file in its way is named with what goes there:
     * the JDK's exception carries the path alone, which told a user neither what was wrong nor why it
     * mattered.
     *
     * @param whatGoesThere what is kept in the directory, as the subject of "are kept there"
     */
    public static void create(Path dir, String whatGoesThere) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory, and " + whatGoesThere + " are kept there; move it away");
        }
        Files.createDirectories(dir);
    }
}
