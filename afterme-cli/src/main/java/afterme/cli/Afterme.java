package afterme.cli;

import afterme.daemon.ServeCommand;
import afterme.dump.DumpCommand;
import afterme.recover.RecoverCommand;
import afterme.tail.TailCommand;
import afterme.verify.VerifyCommand;
import afterme.format.cli.CommandLines;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The umbrella {@code afterme} command: one jar, every tool as a subcommand. */
@Command(name = "afterme", mixinStandardHelpOptions = true, versionProvider = Afterme.Version.class,
        description = "An append-only log server and the tools that read its files.",
        subcommands = {ServeCommand.class, TailCommand.class, DumpCommand.class, VerifyCommand.class,
                RecoverCommand.class, AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class})
public final class Afterme implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return CommandLines.configure(new CommandLine(new Afterme()));
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
