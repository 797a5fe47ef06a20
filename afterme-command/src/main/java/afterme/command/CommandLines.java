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
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CommandLine.ParameterException p) {
                commandLine.getErr().println(commandLine.getCommandName() + ": " + p.getMessage());
                commandLine.getErr().println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
                return ExitCodes.USAGE;
            }
            commandLine.getErr().println(commandLine.getCommandName() + ": " + e.getMessage());
            return ExitCodes.CANNOT_RUN;
        });
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? ExitCodes.USAGE
                : ExitCodes.CANNOT_RUN);
        return cl;
    }
}
