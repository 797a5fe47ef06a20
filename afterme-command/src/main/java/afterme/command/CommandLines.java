package afterme.command;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Sets up a Picocli command line the afterme way: usage errors exit 2 (even when found while running,
 * e.g. a flag combination), any other failure prints one line and exits 3, never a stack trace; a number
 * that is not one is called that in words, not in Java's types.
 */
public final class CommandLines {
    private CommandLines() {
    }

    public static CommandLine configure(CommandLine cl) {
        Handlers handlers = new Handlers();
        cl.setParameterExceptionHandler(handlers);
        cl.setExecutionExceptionHandler(handlers);
        cl.setExitCodeExceptionMapper(handlers);
        Converters.WholeNumberConverter longs = new Converters.WholeNumberConverter();
        Converters.WholeIntConverter ints = new Converters.WholeIntConverter();
        cl.registerConverter(Long.class, longs);
        cl.registerConverter(Long.TYPE, longs);
        cl.registerConverter(Integer.class, ints);
        cl.registerConverter(Integer.TYPE, ints);
        return cl;
    }

    /**
     * A class rather than three lambdas: the class-data archive cannot hold a lambda of a Picocli interface
     * (Picocli's class files are of Java 5, which the archive keeps only unlinked, and a lambda links its
     * interface when the archive is made), and each one it lacks makes a tool's start open the 38 MB jar to
     * load it, 14 ms of a 0.25 s `afterme tail -n 1` on JDK 17.
     */
    private static final class Handlers implements CommandLine.IParameterExceptionHandler,
            CommandLine.IExecutionExceptionHandler, CommandLine.IExitCodeExceptionMapper {
        /** A usage error is one line and where to read more (clig.dev), never the whole usage. */
        @Override
        public int handleParseException(CommandLine.ParameterException p, String[] args) {
            CommandLine commandLine = p.getCommandLine();
            String message;
            if (p instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
                message = unmatched(commandLine, u.getUnmatched());
            } else if (asksHelpFor(commandLine) && p.getValue() != null) {
                // `afterme help tial`: said as `afterme tial` is, not as Picocli's "Unknown subcommand".
                message = unmatched(commandLine, List.of(p.getValue()));
            } else {
                message = p.getMessage();
            }
            usageError(commandLine, message);
            return ExitCodes.USAGE;
        }

        private static boolean asksHelpFor(CommandLine commandLine) {
            CommandLine.ParseResult parsed = commandLine.getParseResult();
            return parsed != null && parsed.subcommand() != null
                    && parsed.subcommand().commandSpec().userObject() instanceof CommandLine.HelpCommand;
        }

        @Override
        public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
            if (e instanceof CommandLine.ParameterException p) {
                usageError(commandLine, p.getMessage());
                return ExitCodes.USAGE;
            }
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + Failures.describe(e));
            return ExitCodes.CANNOT_RUN;
        }

        @Override
        public int getExitCode(Throwable e) {
            return e instanceof CommandLine.ParameterException ? ExitCodes.USAGE : ExitCodes.CANNOT_RUN;
        }
    }

    /**
     * What is wrong with the first argument Picocli could not place, in the user's words rather than its
     * "Unmatched argument at index 0", and the names it was probably meant to be: Picocli's own guesses
     * offered "generate-completion" for "tial".
     */
    static String unmatched(CommandLine commandLine, List<String> unmatched) {
        String first = unmatched.get(0);
        CommandSpec spec = commandLine.getCommandSpec();
        if (first.startsWith("-") && first.length() > 1) {
            String option = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
            List<String> names = new ArrayList<>();
            for (OptionSpec o : spec.options()) {
                if (!o.hidden()) {
                    names.addAll(List.of(o.names()));
                }
            }
            return "unknown option '" + option + "'" + Typos.didYouMean(option, names);
        }
        List<String> commands = commandNames(commandLine);
        if (!commands.isEmpty()) {
            return "'" + first + "' is not a command" + Typos.didYouMean(first, commands) + " (the commands: "
                    + String.join(", ", commands) + ")";
        }
        return "unexpected argument '" + first + "'"
                + (unmatched.size() > 1 ? " (and " + (unmatched.size() - 1) + " more after it)" : "");
    }

    /** The names of a command line's subcommands that its help shows, in order. */
    public static List<String> commandNames(CommandLine commandLine) {
        List<String> commands = new ArrayList<>();
        for (CommandLine sub : commandLine.getSubcommands().values()) {
            if (!sub.getCommandSpec().usageMessage().hidden() && !commands.contains(sub.getCommandName())) {
                commands.add(sub.getCommandName());
            }
        }
        return commands;
    }

    private static void usageError(CommandLine commandLine, String message) {
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + message);
        commandLine.getErr().println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
    }
}
