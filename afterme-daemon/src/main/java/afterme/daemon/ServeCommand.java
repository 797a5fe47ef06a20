package afterme.daemon;

import afterme.command.Choices;
import afterme.command.CommandLines;
import afterme.command.Converters;
import afterme.command.DataDir;
import afterme.command.ExitCodes;
import afterme.command.Failures;
import afterme.command.FileArgument;
import afterme.command.LogLines;
import afterme.command.StopSignals;
import afterme.daemon.http.Limits;
import afterme.daemon.http.Tokens;
import afterme.daemon.log.Ack;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.format.DataDirLock;
import afterme.format.LogFormatException;
import afterme.forward.ForwardSpec;
import afterme.forward.ForwarderConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code afterme serve}: opens the log and serves it over HTTP until SIGTERM or SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a log over HTTP.")
public final class ServeCommand implements Callable<Integer> {
    /**
     * The largest payload or batch body: a body is held in one array or one writer buffer, both indexed by
     * an int, and a record's length field must hold its payload and header; 1 GiB is the default segment
     * size and leaves room for both.
     */
    private static final long MAX_BODY_BYTES = 1L << 30;
    /** Forwarders are woken when durable_seq advances; this is only the fallback if a wake-up were missed. */
    private static final Duration FORWARDER_IDLE_WAIT = Duration.ofSeconds(1);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-d", "--data"}, paramLabel = "DIR", description = "Data directory, created if missing"
            + " (default: $AFTERME_DATA, else afterme-data).")
    Path data;

    @Option(names = "--log-level", paramLabel = "LEVEL", completionCandidates = LogLines.Levels.class,
            description = "What the daemon logs on stderr: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String logLevel = "info";

    @Option(names = "--access-log", description = "Log one line per request: client, method, path, status, bytes,"
            + " time.")
    boolean accessLog;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String listen = "127.0.0.1:7070";

    @Option(names = "--ack", paramLabel = "LEVEL", completionCandidates = Choices.AckLevels.class,
            description = "Default ack level: ${COMPLETION-CANDIDATES} (default: memory).")
    String ack = "memory";

    @Option(names = "--max-payload", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
            description = "Largest record payload, at most 1GiB (default: 1MiB).")
    long maxPayload = 1L << 20;

    @Option(names = "--max-batch", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
            description = "Largest batch body, at most 1GiB (default: 16MiB).")
    long maxBatch = 16L << 20;

    @Option(names = "--segment-size", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
            description = "Rotate segments at this size (default: 1GiB).")
    long segmentSize = LogConfig.DEFAULT_SEGMENT_SIZE;

    @Option(names = "--flush-interval", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
            description = "Longest wait before unsynced writes are fsynced (default: 10ms).")
    Duration flushInterval = LogConfig.DEFAULT_FLUSH_INTERVAL;

    @Option(names = "--flush-bytes", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
            description = "Unsynced bytes that trigger an fsync (default: 1MiB).")
    long flushBytes = LogConfig.DEFAULT_FLUSH_BYTES;

    @Option(names = "--dedupe-window", paramLabel = "N", description = "Idempotency keys remembered, in records (default: 100000).")
    int dedupeWindow = LogConfig.DEFAULT_DEDUPE_WINDOW;

    @Option(names = "--webhook", paramLabel = "URL", converter = Converters.HttpUrlConverter.class,
            description = "POST durable_seq here (repeatable).")
    List<URI> webhooks = new ArrayList<>();

    @Option(names = "--forward", paramLabel = "NAME=URI", description = "Forward every durable record to a broker"
            + " (repeatable): amqp://HOST:PORT/VHOST?exchange=E&routing_key=K, nats://HOST:PORT?subject=S,"
            + " kafka://HOST:PORT?topic=T; the URI may add from=start|end|SEQ, on_reject=stop|dead-letter and"
            + " credentials_file=PATH.")
    List<String> forwards = new ArrayList<>();

    @Option(names = "--token-file", paramLabel = "FILE", description = "Bearer tokens: lines '<token> <role>[,<role>]'.")
    Path tokenFile;

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "PKCS12 or JKS keystore for TLS.")
    Path tlsKeystore;

    @Option(names = "--tls-password-file", paramLabel = "FILE", description = "File holding the keystore password.")
    Path tlsPasswordFile;

    @Option(names = "--insecure", description = "Allow a non-loopback address without --token-file.")
    boolean insecure;

    public static void main(String[] args) {
        System.exit(CommandLines.configure(new CommandLine(new ServeCommand())).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Daemon.HttpOptions options = options();
        try {
            LogLines.configure(logLevel);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        // Absolute: the daemon's log lines and its HTTP errors name files and suggest commands (afterme verify
        // DIR) that whoever reads them runs from a directory of their own.
        data = DataDir.paths(List.of(), data).get(0).toAbsolutePath().normalize();
        if (Files.exists(data) && !Files.isDirectory(data)) {
            err.println("afterme serve: " + data + " is not a directory; give the data directory (it is created if"
                    + " missing)");
            return ExitCodes.CANNOT_RUN;
        }
        HttpFront front = new HttpFront(options.host(), options.port(), options.tlsKeystore(), options.tlsPassword());
        if (accessLog) {
            front.logRequests();
        }
        try {
            // Before the log is opened: a port in use must not leave a new data directory behind.
            front.bind();
        } catch (HttpFront.TlsKeystoreException e) {
            err.println("afterme serve: " + e.getMessage());
            return ExitCodes.CANNOT_RUN;
        } catch (HttpFront.ListenException e) {
            err.println("afterme serve: " + listen + " " + e.getMessage());
            return ExitCodes.CANNOT_RUN;
        }
        // The engine's defaults with serve's flags on top: what the engine benchmark measures is what serves.
        LogConfig config = LogConfig.defaults(data).withSegmentSize(segmentSize).withFlush(flushInterval, flushBytes)
                .withDedupeWindow(dedupeWindow);
        Log log;
        try {
            log = Log.open(config);
        } catch (DataDirLock.LockedException e) {
            err.println("afterme serve: " + e.getMessage());
            return ExitCodes.CANNOT_RUN;
        } catch (LogFormatException e) {
            err.println("afterme serve: " + e.getMessage());
            return ExitCodes.DATA_PROBLEM;
        } catch (IOException e) {
            err.println("afterme serve: cannot open " + data + ": " + Failures.describe(e));
            return ExitCodes.CANNOT_RUN;
        }
        err.println("afterme serve: " + opened(log));
        Daemon daemon;
        try {
            daemon = Daemon.start(log, options, front);
        } catch (Exception e) {
            err.println("afterme serve: cannot start serving on " + listen + ": " + e.getMessage());
            return ExitCodes.CANNOT_RUN;
        }
        CountDownLatch stop = new CountDownLatch(1);
        StopSignals.install(stop::countDown);
        for (String warning : MemoryHeadroom.warnings(maxPayload, maxBatch)) {
            err.println("afterme serve: warning: " + warning);
        }
        if (tokenFile == null && reachableFromOutside(options.host())) {
            err.println("afterme serve: warning: --insecure: whoever reaches " + listen + " may append, read and"
                    + " see the metrics, without a token");
        }
        err.println("afterme serve: serving on " + daemon.uri());
        err.flush();
        stop.await();
        err.println("afterme serve: stopping: finishing accepted requests and syncing");
        err.flush();
        daemon.close();
        err.println("afterme serve: stopped at seq " + log.lastSeq() + ", durable " + log.durableSeq());
        err.flush();
        return ExitCodes.OK;
    }

    /** The start line: a new log and its id, or the log opened, where it stands, and what start-up cut. */
    private String opened(Log log) throws IOException {
        if (log.created()) {
            return "created a new log " + log.logId() + " in " + data;
        }
        StringBuilder b = new StringBuilder("opened log " + log.logId() + " in " + data + ": last seq " + log.lastSeq()
                + ", durable seq " + log.durableSeq() + ", " + log.segmentCount() + " segment(s)");
        for (Path repair : log.repairs()) {
            b.append("; cut a torn tail at start-up, its bytes saved in ").append(repair);
        }
        return b.toString();
    }

    private Daemon.HttpOptions options() throws IOException {
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw usage("--listen must be HOST:PORT, not '" + listen + "'");
        }
        String host = listen.substring(0, colon).replace("[", "").replace("]", "");
        if (host.isEmpty()) {
            // Other servers read ":PORT" as every interface, the JDK as this machine alone: ask which.
            throw usage("--listen needs a host, not '" + listen + "': 127.0.0.1" + listen
                    + " for this machine alone, 0.0.0.0" + listen + " for every interface (with --token-file)");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw usage("--listen port must be a number: '" + listen + "'");
        }
        if (port < 0 || port > 65535) {
            throw usage("--listen port must be 0..65535: '" + listen + "'");
        }
        Ack defaultAck = switch (ack) {
            case "memory" -> Ack.MEMORY;
            case "durable" -> Ack.DURABLE;
            default -> throw usage("--ack must be memory or durable, not '" + ack + "'");
        };
        if (segmentSize < 1024) {
            throw usage("--segment-size must be at least 1KiB, not " + segmentSize + " bytes");
        }
        if (flushBytes < 1) {
            throw usage("--flush-bytes must be at least 1 (an fsync after every write), not " + flushBytes);
        }
        if (dedupeWindow < 0) {
            throw usage("--dedupe-window must be 0 or more, not " + dedupeWindow);
        }
        if (maxPayload > MAX_BODY_BYTES) {
            throw usage("--max-payload must be at most 1GiB, not " + maxPayload + " bytes");
        }
        if (maxBatch > MAX_BODY_BYTES) {
            throw usage("--max-batch must be at most 1GiB, not " + maxBatch + " bytes");
        }
        if (tokenFile == null && !insecure && reachableFromOutside(host)) {
            throw usage("refusing to listen on " + host + " without --token-file; give --token-file, or --insecure"
                    + " to serve without authentication");
        }
        if ((tlsKeystore == null) != (tlsPasswordFile == null)) {
            throw usage("--tls-keystore and --tls-password-file go together");
        }
        mustBeAFile("--token-file", tokenFile);
        mustBeAFile("--tls-keystore", tlsKeystore);
        mustBeAFile("--tls-password-file", tlsPasswordFile);
        Tokens tokens = null;
        if (tokenFile != null) {
            try {
                tokens = Tokens.load(tokenFile);
            } catch (IllegalArgumentException | IOException e) {
                throw usage("--token-file: " + Failures.describe(e));
            }
        }
        String password = null;
        if (tlsPasswordFile != null) {
            try {
                password = Files.readString(tlsPasswordFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw usage("--tls-password-file: " + Failures.describe(e));
            }
        }
        return new Daemon.HttpOptions(host, port, new Limits(maxPayload, maxBatch, defaultAck), tokens, tlsKeystore,
                password, webhooks, forwarders());
    }

    /** A file option names a file: each is refused the same way, with its path, before anything is created. */
    private void mustBeAFile(String option, Path file) {
        String unreadable = file == null ? null : FileArgument.unreadable(file);
        if (unreadable != null) {
            throw usage(option + ": " + unreadable);
        }
    }

    private List<ForwarderConfig> forwarders() throws IOException {
        List<ForwarderConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String spec : forwards) {
            ForwarderConfig c;
            try {
                c = ForwardSpec.parse(spec, FORWARDER_IDLE_WAIT);
            } catch (IllegalArgumentException e) {
                throw usage("--forward: " + e.getMessage());
            }
            if (!names.add(c.name())) {
                throw usage("--forward: two forwarders are named '" + c.name() + "'; each needs a name of its own");
            }
            out.add(c);
        }
        return out;
    }

    /**
     * Whether other machines may reach the daemon there: any address but a loopback one. A host with no
     * address is left to the bind, which says so.
     */
    private static boolean reachableFromOutside(String host) {
        try {
            return !InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
