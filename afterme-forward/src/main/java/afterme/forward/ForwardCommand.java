package afterme.forward;

import afterme.format.LogCursor;
import afterme.format.RecordJson;
import afterme.format.Segments;
import afterme.command.CommandLines;
import afterme.command.DataDir;
import afterme.command.ExitCodes;
import afterme.command.LogLines;
import afterme.command.StopSignals;
import afterme.terminal.Tty;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code afterme forward}: forwards a log's records to a broker straight from its files, with or without a
 * daemon running, until interrupted; {@code --status} prints each forwarder's checkpoint.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Send every durable record of the log, in seq order, to a broker, and keep a checkpoint"
                + " under DIR/forward/; runs until interrupted, then resumes where it stopped.",
                "--status prints each forwarder's checkpoint as a JSON line instead."})
public final class ForwardCommand implements Callable<Integer> {
    /** How often the standalone forwarder looks for new records, as {@code tail -f} does. */
    private static final Duration POLL = Duration.ofMillis(20);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataDir data;

    /** The data directory, read from the command line once it is parsed. */
    private Path dir;

    @Option(names = "--to", paramLabel = "URI", description = "Where to send: amqp://HOST:PORT/VHOST?exchange=E&routing_key=K,"
            + " nats://HOST:PORT?subject=S, kafka://HOST:PORT?topic=T, or a scheme a sink on the class path takes.")
    String to;

    @Option(names = "--name", paramLabel = "NAME", description = "The forwarder's name, for its checkpoint (default: the URI's"
            + " scheme); with --status, the one forwarder to print.")
    String name;

    @ArgGroup(exclusive = true)
    Start start;

    static final class Start {
        @Option(names = "--from", paramLabel = "SEQ", description = "A new forwarder starts at this seq.")
        Long seq;

        @Option(names = "--from-start", description = "A new forwarder starts at the first record (the default).")
        boolean first;

        @Option(names = "--from-end", description = "A new forwarder starts after the last record.")
        boolean end;
    }

    @Option(names = "--on-reject", paramLabel = "stop|dead-letter", description = "A record the broker refuses: stop"
            + " (default) halts with the reason; dead-letter appends it to DIR/forward/NAME.dead-letter.ndjson and goes on.")
    String onReject = "stop";

    @Option(names = "--credentials-file", paramLabel = "FILE", description = "Java properties: username, password,"
            + " token (NATS), kafka.* (Kafka client settings). Secrets never go in the URI.")
    Path credentialsFile;

    @Option(names = "--status", description = "Print each forwarder's checkpoint (name, sink, forwarded_seq, lag_records)"
            + " as JSON lines, offline.")
    boolean status;

    public static void main(String[] args) {
        System.exit(CommandLines.configure(new CommandLine(new ForwardCommand())).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        dir = data.get();
        if (status) {
            if (to != null) {
                throw usage("--status reads checkpoints; it takes no --to");
            }
            return status(spec.commandLine().getOut(), err);
        }
        if (to == null) {
            throw usage("give --to URI (or --status)");
        }
        ForwarderConfig config;
        try {
            SinkTarget target = SinkTarget.parse(to, credentialsFile);
            StartAt startAt = start == null || start.first ? StartAt.START
                    : start.end ? StartAt.END : StartAt.seq(start.seq);
            config = ForwarderConfig.of(name != null ? name : target.scheme(), target, startAt,
                    OnReject.parse(onReject), POLL);
            Sinks.forTarget(target);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        String notALog = Segments.notALog(dir);
        if (notALog != null) {
            err.println("afterme forward: " + notALog);
            return ExitCodes.CANNOT_RUN;
        }
        LogLines.configure("info");
        Forwarder forwarder = new Forwarder(config, new FileLogSource(dir), nanos -> { }).start();
        // Interrupted, it waits briefly for the broker's confirms, writes its checkpoint and exits 0.
        StopSignals.install(forwarder::requestClose);
        err.println("afterme forward: forwarding " + dir + " to " + config.target() + " as " + config.name()
                + "; interrupt to stop");
        err.flush();
        try (Tty tty = Tty.stderr()) {
            if (tty.isTerminal()) {
                showProgress(forwarder, tty);
            }
        }
        forwarder.await();
        ForwarderStatus s = forwarder.status();
        if (forwarder.stopCause() == Forwarder.StopCause.IN_USE) {
            err.println("afterme forward: not started: stop the other forwarder named " + config.name()
                    + " first, or give this one a name of its own with --name");
            return ExitCodes.CANNOT_RUN;
        }
        if (forwarder.stopCause() == Forwarder.StopCause.START_PAST_THE_END) {
            // The forwarder's log line just above says where the log ends.
            throw usage("--from " + config.startAt().seq() + " lies past the end of the log");
        }
        if (s.state() == ForwarderStatus.State.STOPPED) {
            // The reason is the forwarder's log line just above.
            err.println("afterme forward: stopped after seq " + s.forwardedSeq() + ", for the reason above");
            return ExitCodes.DATA_PROBLEM;
        }
        return ExitCodes.OK;
    }

    /**
     * Draws the forwarded seq against the log's last seq until the forwarder ends. The last seq is a walk of
     * the last segment, so it is looked up every few seconds, not at every redraw.
     */
    private void showProgress(Forwarder forwarder, Tty tty) throws IOException, InterruptedException {
        long lastSeq = 0;
        long lookedUp = 0;
        while (!forwarder.status().state().ended()) {
            Thread.sleep(200);
            if (System.nanoTime() - lookedUp > 3_000_000_000L) {
                lastSeq = LogCursor.lastSeq(dir);
                lookedUp = System.nanoTime();
            }
            ForwarderStatus s = forwarder.status();
            tty.progress("forward " + s.name() + " " + s.state().label() + ", seq", s.forwardedSeq(),
                    Math.max(s.forwardedSeq(), lastSeq), Long::toString);
        }
        tty.clearProgress();
    }

    private int status(PrintWriter out, PrintWriter err) throws IOException {
        String notALog = Segments.notALog(dir);
        if (notALog != null) {
            err.println("afterme forward: " + notALog);
            return ExitCodes.CANNOT_RUN;
        }
        List<Path> files = new ArrayList<>();
        Path forwardDir = dir.resolve(Checkpoint.DIR);
        if (Files.isDirectory(forwardDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(forwardDir, "*.checkpoint")) {
                ds.forEach(files::add);
            }
        }
        files.sort(null);
        if (name != null) {
            List<String> names = files.stream().map(Checkpoint::nameOf).toList();
            if (!names.contains(name)) {
                err.println("afterme forward: no forwarder named '" + name + "' has a checkpoint in " + forwardDir
                        + (names.isEmpty() ? "" : "; those that have: " + String.join(", ", names)));
                return ExitCodes.CANNOT_RUN;
            }
            files.removeIf(file -> !name.equals(Checkpoint.nameOf(file)));
        }
        long lastSeq = LogCursor.lastSeq(dir);
        int code = ExitCodes.OK;
        for (Path file : files) {
            Checkpoint cp;
            try {
                cp = Checkpoint.read(file);
            } catch (Checkpoint.CheckpointException e) {
                err.println("afterme forward: " + e.getMessage());
                code = ExitCodes.DATA_PROBLEM;
                continue;
            }
            StringWriter s = new StringWriter();
            try (JsonGenerator g = RecordJson.FACTORY.createGenerator(s)) {
                g.writeStartObject();
                g.writeStringField("name", Checkpoint.nameOf(file));
                g.writeStringField("sink", cp.sink());
                g.writeStringField("log_id", cp.logId().toString());
                g.writeNumberField("forwarded_seq", cp.seq());
                g.writeNumberField("lag_records", Math.max(0, lastSeq - cp.seq()));
                g.writeNumberField("dead_lettered", deadLetters(Forwarder.deadLetterFile(dir, Checkpoint.nameOf(file))));
                g.writeStringField("checkpoint", file.toString());
                g.writeEndObject();
            }
            out.println(s);
        }
        if (files.isEmpty()) {
            err.println("afterme forward: no forwarder has a checkpoint in " + forwardDir);
        }
        out.flush();
        return code;
    }

    private static long deadLetters(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var lines = Files.lines(file)) {
            return lines.count();
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
