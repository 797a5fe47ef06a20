package afterme.command;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The one way every command names its data directory: the positional {@code DIR}, or
 * {@code -d/--data DIR}, or {@code AFTERME_DATA}, or {@code ./afterme-data}, in that order of precedence
 * (given on the command line beats the environment). A Picocli mixin.
 */
public final class DataDir {
    public static final String ENV = "AFTERME_DATA";
    static final Path DEFAULT = Path.of("afterme-data");

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR",
            description = "Data directory (default: $AFTERME_DATA, else afterme-data).")
    Path positional;

    @Option(names = {"-d", "--data"}, paramLabel = "DIR", description = "Data directory, as DIR.")
    Path option;

    /** The directory named, or the default; a usage error when named twice, differently. */
    public Path get() {
        return resolve(spec == null ? null : spec.commandLine(), positional, option, System.getenv());
    }

    /**
     * For commands that take several paths (dump, verify): the paths given, else {@code -d/--data}, else
     * {@code AFTERME_DATA}, else {@code ./afterme-data}.
     */
    public static List<Path> paths(List<Path> given, Path option) {
        if (!given.isEmpty()) {
            List<Path> all = new ArrayList<>(given);
            if (option != null && !all.contains(option)) {
                all.add(0, option);
            }
            return all;
        }
        return List.of(resolve(null, null, option, System.getenv()));
    }

    static Path resolve(CommandLine cl, Path positional, Path option, Map<String, String> env) {
        if (positional != null && option != null && !positional.equals(option)) {
            throw new CommandLine.ParameterException(cl, "the data directory is given twice: " + positional + " and "
                    + option);
        }
        if (option != null) {
            return option;
        }
        if (positional != null) {
            return positional;
        }
        String fromEnv = env.get(ENV);
        return fromEnv != null && !fromEnv.isEmpty() ? Path.of(fromEnv) : DEFAULT;
    }
}
