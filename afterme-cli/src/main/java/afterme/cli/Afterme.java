package afterme.cli;

import afterme.daemon.ServeCommand;
import afterme.dump.DumpCommand;
import afterme.forward.ForwardCommand;
import afterme.recover.RecoverCommand;
import afterme.tail.TailCommand;
import afterme.verify.VerifyCommand;
import afterme.command.CommandLines;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The umbrella {@code afterme} command: one jar, every tool as a subcommand. */
@Command(name = "afterme", mixinStandardHelpOptions = true, versionProvider = Afterme.Version.class,
        description = "An append-only log server and the tools that read its files.")
public final class Afterme implements Runnable {
    /**
     * Picocli reads a command's annotations by reflection when the command is added, which is a good part
     * of a tool's start-up time; {@code afterme verify} adds only the verify command.
     */
    private static final Map<String, Supplier<Object>> TOOLS = new LinkedHashMap<>();

    static {
        TOOLS.put("serve", ServeCommand::new);
        TOOLS.put("tail", TailCommand::new);
        TOOLS.put("dump", DumpCommand::new);
        TOOLS.put("verify", VerifyCommand::new);
        TOOLS.put("recover", RecoverCommand::new);
        TOOLS.put("forward", ForwardCommand::new);
        TOOLS.put("append", AppendCommand::new);
        TOOLS.put("info", InfoCommand::new);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    public static void main(String[] args) {
        Supplier<Object> tool = args.length > 0 ? TOOLS.get(args[0]) : null;
        boolean version = args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
        // Only the command asked for is built: a script calling 'afterme --version' or one tool in a loop
        // pays for one command's annotations, not for all of them.
        CommandLine cl = version ? CommandLines.configure(new CommandLine(new Afterme()))
                : tool == null ? commandLine()
                : CommandLines.configure(new CommandLine(new Afterme()).addSubcommand(tool.get()));
        System.exit(cl.execute(args));
    }

    /** The whole command, every subcommand in it: for help, completion and man pages. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Afterme());
        TOOLS.values().forEach(tool -> cl.addSubcommand(tool.get()));
        cl.addSubcommand(new AutoComplete.GenerateCompletion());
        cl.addSubcommand(new CommandLine.HelpCommand());
        return CommandLines.configure(cl);
    }

    /** The version Maven built, read from a filtered resource. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Afterme.class.getResourceAsStream("version.properties")) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {"afterme " + p.getProperty("version")};
        }
    }
}
