package afterme.cli;

import afterme.command.CommandLines;
import afterme.daemon.ServeCommand;
import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.dump.DumpCommand;
import afterme.forward.ForwardCommand;
import afterme.recover.RecoverCommand;
import afterme.tail.TailCommand;
import afterme.verify.VerifyCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The umbrella {@code afterme} command: one jar, every tool as a subcommand. */
@Command(name = "afterme", mixinStandardHelpOptions = true, versionProvider = Afterme.Version.class,
        description = "An append-only log server and the tools that read its files.")
public final class Afterme implements Runnable {
    /** The tools, in the order help lists them. */
    private static final List<String> TOOLS = List.of("serve", "tail", "dump", "verify", "recover", "forward", "append",
            "info");

    /**
     * The tool of that name, or null. Picocli reads a command's annotations by reflection when the command
     * is added, which is a good part of a tool's start-up time, so {@code afterme verify} makes and adds only
     * the verify command; a switch rather than a table of constructor references, whose bootstrap a start
     * would pay for every tool.
     */
    private static Object tool(String name) {
        return switch (name) {
            case "serve" -> new ServeCommand();
            case "tail" -> new TailCommand();
            case "dump" -> new DumpCommand();
            case "verify" -> new VerifyCommand();
            case "recover" -> new RecoverCommand();
            case "forward" -> new ForwardCommand();
            case "append" -> new AppendCommand();
            case "info" -> new InfoCommand();
            default -> null;
        };
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a command: "
                + String.join(", ", CommandLines.commandNames(spec.commandLine())));
    }

    /**
     * Not a command: what bin/afterme runs, once per build, to record the classes a start loads (see there):
     * {@code --train-class-data DIR tools} for the tools, {@code --train-class-data DIR version} for
     * {@code --version} alone.
     */
    static final String TRAIN = "--train-class-data";

    public static void main(String[] args) throws Exception {
        // Picocli looks for Groovy's Closure class once, for closures in annotations, which we never use;
        // a class that is not there makes the class loader open the 38 MB runnable jar to search it, 8 ms
        // of every tool's start when the class-data archive holds everything else.
        System.setProperty("picocli.disable.closures", "true");
        if (args.length == 3 && args[0].equals(TRAIN)) {
            if (args[2].equals("version")) {
                printVersion();
            } else {
                train(Path.of(args[1]));
            }
            return;
        }
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            printVersion();
            return;
        }
        System.exit(run(args));
    }

    /** Scripts ask this in loops: answered without building a command line at all. */
    private static void printVersion() {
        System.out.println(new Version().getVersion()[0]);
    }

    private static int run(String[] args) {
        Object tool = args.length > 0 ? tool(args[0]) : null;
        // Only the command asked for is built: a script calling one tool in a loop pays for one command's
        // annotations, not for all of them.
        CommandLine cl = tool == null ? commandLine()
                : CommandLines.configure(new CommandLine(new Afterme()).addSubcommand(tool));
        return cl.execute(args);
    }

    /**
     * Writes a small log in {@code dir} with the engine and runs the tools over it the way scripts call
     * them, so that a class-data archive (or, from JDK 25, an ahead-of-time cache) made from this run
     * holds every class a tool's start needs, not only those of a tool on an empty directory.
     */
    private static void train(Path dir) throws Exception {
        Path log = dir.resolve("log");
        try (Log l = Log.open(LogConfig.defaults(log).withSegmentSize(4096))) {
            for (int i = 0; i < 40; i++) {
                byte[] payload = ("{\"type\":\"OrderPlaced\",\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8);
                l.submit(Append.of(List.of(payload), "application/json", "key-" + i, -1, Ack.DURABLE)).durable.get();
            }
        }
        String d = log.toString();
        for (String[] args : List.of(new String[] {"--version"}, new String[] {"tail", "-n", "1", d},
                new String[] {"tail", "-o", "short", d}, new String[] {"tail", "-o", "payload", "--since", "1h ago", d},
                new String[] {"dump", d}, new String[] {"verify", d}, new String[] {"info", d},
                new String[] {"recover", "--dry-run", d}, new String[] {"tail", "--bogus"})) {
            run(args);
        }
    }

    /** The whole command, every subcommand in it: for help, completion and man pages. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Afterme());
        for (String name : TOOLS) {
            cl.addSubcommand(tool(name));
        }
        cl.addSubcommand(new AutoComplete.GenerateCompletion());
        cl.addSubcommand(new CommandLine.HelpCommand());
        return CommandLines.configure(cl);
    }

    /** The version Maven built. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"afterme " + BuildVersion.VERSION};
        }
    }
}
