package afterme.command;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What the commands that read several logs or segment files at once (dump, verify) are given to read:
 * each {@code PATH}, and {@code -d/--data DIR} before them; with neither, the one directory
 * {@link DataDir} names. A Picocli mixin.
 */
public final class DataPaths {
    @Parameters(arity = "0..*", paramLabel = "PATH", description = "Data directories or segment files (default:"
            + " $AFTERME_DATA, else afterme-data).")
    List<Path> given = new ArrayList<>();

    @Option(names = {"-d", "--data"}, paramLabel = "DIR", description = "A data directory, as PATH.")
    Path option;

    /** The paths to read, in the order given. */
    public List<Path> get() {
        return DataDir.paths(given, option);
    }
}
