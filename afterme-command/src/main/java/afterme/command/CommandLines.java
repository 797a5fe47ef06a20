package afterme.command;

import picocli.CommandLine;

/**
 * Sets up a Picocli command line the afterme way: usage errors exit 2 (even when found while running,
 * e.g. a flag combination), any other failure prints one line and exits 3, never a stack trace.
 */
public final class CommandLines {
    private CommandLines() {
    }

    public static CommandLine configure(CommandLine cl) {
        // A usage error is one line and where to read more (clig.dev), never the whole usage; Picocli's
        // suggestions for a mistyped option stay.
        cl.setParameterExceptionHandler((p, args) -> {
            CommandLine commandLine = p.getCommandLine();
            usageError(commandLine, p.getMessage());
            if (p instanceof CommandLine.UnmatchedArgumentException u) {
                u.printSuggestions(commandLine.getErr());
            }
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CommandLine.ParameterException p) {
                usageError(commandLine, p.getMessage());
                return ExitCodes.USAGE;
            }
            commandLine.getErr().println(commandLine.getCommandName() + ": " + e.getMessage());
            return ExitCodes.CANNOT_RUN;
        });
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? ExitCodes.USAGE
                : ExitCodes.CANNOT_RUN);
        return cl;
    }

    private static void usageError(CommandLine commandLine, String message) {
        commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + message);
        commandLine.getErr().println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
    }
}
