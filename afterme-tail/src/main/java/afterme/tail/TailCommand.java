package afterme.tail;

import afterme.format.LogCursor;
import afterme.format.LogFormatException;
import afterme.format.LogRecord;
import afterme.format.PayloadMode;
import afterme.format.RecordJson;
import afterme.format.Segments;
import afterme.format.TimeSeek;
import afterme.command.CommandLines;
import afterme.command.Converters;
import afterme.command.ExitCodes;
import afterme.command.Stdout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code afterme tail}: the log in order across segments, straight from the files; {@code -f} follows. */
@Command(name = "tail", mixinStandardHelpOptions = true, description = "Print the log's records in order; -f follows.")
public final class TailCommand implements Callable<Integer> {
    /** How often -f looks for new records: well under the 100 ms a user notices. */
    private static final long POLL_MS = 20;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "Data directory (default: afterme-data).")
    Path dir = Path.of("afterme-data");

    @Option(names = {"-f", "--follow"}, description = "Keep printing records as they are appended.")
    boolean follow;

    @Option(names = "-n", paramLabel = "N", description = "Start N records before the end.")
    Long lastN;

    @Option(names = "--from", paramLabel = "SEQ", description = "Start at this seq.")
    Long from;

    @Option(names = "--since", paramLabel = "TIME", converter = Converters.TimeConverter.class,
            description = "Start at the first record at or after TIME (RFC 3339 or a date).")
    Instant since;

    @Option(names = "--to", paramLabel = "SEQ", description = "Stop after this seq.")
    Long to;

    @Option(names = "--until", paramLabel = "TIME", converter = Converters.TimeConverter.class,
            description = "Stop before the first record after TIME.")
    Instant until;

    @Option(names = "--output", paramLabel = "json|payload|raw", description = "json (default): one object per line; "
            + "payload: each payload and a newline; raw: the payloads back to back.")
    String output = "json";

    @Option(names = "--payload", paramLabel = "MODE", description = "auto (default), utf8, base64 or none.")
    String payload = "auto";

    /** Set once a record past {@code --to} or {@code --until} is read: the output ends before it. */
    private boolean pastEnd;

    public static void main(String[] args) {
        System.exit(CommandLines.configure(new CommandLine(new TailCommand())).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int positions = (lastN != null ? 1 : 0) + (from != null ? 1 : 0) + (since != null ? 1 : 0);
        if (positions > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-n, --from and --since exclude each other");
        }
        if (to != null && until != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--to and --until exclude each other");
        }
        PayloadMode mode = parseMode(spec.commandLine(), payload);
        Output out = Output.parse(spec.commandLine(), output);
        String notALog = Segments.notALog(dir);
        if (notALog != null) {
            spec.commandLine().getErr().println("afterme tail: " + notALog);
            return ExitCodes.CANNOT_RUN;
        }
        long start = startSeq();
        OutputStream stdout = Stdout.open();
        RecordJson.LineWriter json = new RecordJson.LineWriter(stdout, mode, RecordJson.Location.OMIT);
        long lastSeq = to != null ? to : Long.MAX_VALUE;
        long lastNanos = until != null ? TimeSeek.saturatedEpochNanos(until) : Long.MAX_VALUE;
        LogCursor.PayloadSink payloads = (seq, nanos, bytes, offset, length) -> {
            pastEnd = seq > lastSeq || nanos > lastNanos;
            if (!pastEnd) {
                out.write(stdout, bytes, offset, length);
            }
        };
        try (LogCursor cursor = new LogCursor(dir, start, false)) {
            while (!pastEnd) {
                boolean got;
                if (out == Output.JSON) {
                    LogRecord r = cursor.next();
                    got = r != null;
                    pastEnd = got && (r.seq() > lastSeq || r.epochNanos() > lastNanos);
                    if (got && !pastEnd) {
                        json.write(r);
                    }
                } else {
                    got = cursor.nextPayload(payloads);
                }
                if (!got) {
                    json.flush();
                    stdout.flush();
                    if (!follow) {
                        break;
                    }
                    Thread.sleep(POLL_MS);
                }
            }
            json.flush();
            stdout.flush();
        } catch (LogFormatException e) {
            json.flush();
            stdout.flush();
            spec.commandLine().getErr().println("afterme tail: " + e.getMessage());
            return ExitCodes.DATA_PROBLEM;
        } catch (IOException e) {
            if (Stdout.isClosedPipe(e)) {
                return ExitCodes.OK;
            }
            throw e;
        }
        return ExitCodes.OK;
    }

    private long startSeq() throws IOException {
        if (from != null) {
            return from;
        }
        if (since != null) {
            return TimeSeek.firstSeqAtOrAfter(dir, since);
        }
        long n = lastN != null ? lastN : (follow ? 10 : -1);
        if (n < 0) {
            return 1;
        }
        return Math.max(1, LogCursor.lastSeq(dir) - n + 1);
    }

    static PayloadMode parseMode(CommandLine cl, String value) {
        try {
            return PayloadMode.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--payload must be auto, utf8, base64 or none, not '" + value + "'");
        }
    }

    /** The three output shapes of SPEC §5. */
    private enum Output {
        JSON, PAYLOAD, RAW;

        static Output parse(CommandLine cl, String value) {
            try {
                return valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, "--output must be json, payload or raw, not '" + value + "'");
            }
        }

        /** The payload shapes; JSON goes through a {@link RecordJson.LineWriter}. */
        void write(OutputStream out, byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            if (this == PAYLOAD) {
                out.write('\n');
            }
        }
    }
}
