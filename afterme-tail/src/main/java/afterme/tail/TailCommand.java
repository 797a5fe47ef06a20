package afterme.tail;

import afterme.command.Choices;
import afterme.command.CommandLines;
import afterme.command.DataDir;
import afterme.command.ExitCodes;
import afterme.command.SeqRange;
import afterme.command.Stdout;
import afterme.command.TimeRange;
import afterme.format.LogCursor;
import afterme.format.LogFormatException;
import afterme.format.LogRecord;
import afterme.format.PayloadMode;
import afterme.format.SegmentNames;
import afterme.format.Segments;
import afterme.format.TimeSeek;
import afterme.terminal.Tty;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code afterme tail}: the log in order across segments, straight from the files; {@code -f} follows. */
@Command(name = "tail", mixinStandardHelpOptions = true, description = "Print the log's records in order; -f follows.")
public final class TailCommand implements Callable<Integer> {
    /** How often -f looks for new records: well under the 100 ms a user notices. */
    private static final long POLL_MS = 20;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataDir data;

    @Mixin
    TimeRange times;

    @Option(names = {"-f", "--follow"}, description = "Keep printing records as they are appended, until interrupted"
            + " or until nothing reads the output.")
    boolean follow;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", description = "The last N records (with -f, 10 unless"
            + " given): of those -g matches, up to --to or --until.")
    Long lastN;

    @Option(names = "--from", paramLabel = "SEQ", description = "Start at this seq.")
    Long from;

    @Option(names = "--to", paramLabel = "SEQ", description = "Stop after this seq.")
    Long to;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", completionCandidates = OutputFormat.Names.class,
            description = "json (default): one object per line, as the daemon renders records; short: time, seq,"
                    + " content type and the payload's start on one line; payload: each payload and a newline; raw: the"
                    + " payloads back to back. Values: ${COMPLETION-CANDIDATES}.")
    String output = "json";

    @Option(names = "--payload", paramLabel = "MODE", completionCandidates = Choices.PayloadModes.class,
            description = "How payloads are written: auto (default), utf8, base64 or none. With -o payload, base64"
                    + " writes each payload in base64, and utf8 writes binary payloads to a terminal as they are;"
                    + " with -o short, none leaves the payload out, base64 shows its base64 and utf8 shows a binary"
                    + " payload as text.")
    String payload = "auto";

    @Option(names = {"-r", "--reverse"}, description = "Newest first (not with -f).")
    boolean reverse;

    @Option(names = {"-g", "--grep"}, paramLabel = "REGEX", description = "Only records whose payload, read as"
            + " UTF-8, matches REGEX (Java syntax).")
    String grep;

    /** Set once a record past {@code --to} or {@code --until} is read: the output ends before it. */
    private boolean pastEnd;
    /**
     * Without {@code -f}, {@code -n N} counts back from the last record as tail starts, and the output ends
     * there: under a busy daemon, {@code tail -n 1} printed the thousands of records appended while it read.
     */
    private long lastAtStart = Long.MAX_VALUE;

    public static void main(String[] args) {
        System.exit(CommandLines.configure(new CommandLine(new TailCommand())).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        int positions = (lastN != null ? 1 : 0) + (from != null ? 1 : 0) + (times.hasSince() ? 1 : 0);
        if (positions > 1) {
            throw new CommandLine.ParameterException(cl, "-n, --from and --since exclude each other");
        }
        if (to != null && times.hasUntil()) {
            throw new CommandLine.ParameterException(cl, "--to and --until exclude each other");
        }
        if (lastN != null && lastN < 0) {
            throw new CommandLine.ParameterException(cl, "-n takes a count of records, 0 or more, not " + lastN);
        }
        SeqRange.check(cl, from, to);
        if (reverse && follow) {
            throw new CommandLine.ParameterException(cl, "-r and -f exclude each other: a log followed grows at its end");
        }
        times.check();
        PayloadMode mode = parseMode(cl, payload);
        Pattern pattern = parseGrep(cl);
        OutputFormat format = OutputFormat.parse(cl, output);
        Path dir = data.get();
        String notALog = Segments.notALog(dir);
        if (notALog != null) {
            cl.getErr().println("afterme tail: " + notALog);
            return ExitCodes.CANNOT_RUN;
        }
        OutputStream stdout = Stdout.open();
        boolean terminal = Tty.stdoutIsTerminal();
        RecordWriter out = format.writer(stdout, mode, times::zone, terminal,
                terminal && Tty.colourOnStdout(), payload.equalsIgnoreCase("utf8"));
        try {
            long start = startSeq(dir, pattern);
            if (reverse) {
                printReversed(dir, start, out, pattern);
            } else {
                print(dir, start, out, pattern);
            }
        } catch (LogFormatException e) {
            out.flush();
            cl.getErr().println("afterme tail: " + e.getMessage());
            return ExitCodes.DATA_PROBLEM;
        } catch (IOException e) {
            if (Stdout.isClosedPipe(e)) {
                return ExitCodes.OK;
            }
            throw e;
        }
        return ExitCodes.OK;
    }

    private void print(Path dir, long start, RecordWriter out, Pattern pattern) throws Exception {
        long lastSeq = lastSeq();
        long lastNanos = lastNanos();
        LogCursor.PayloadSink payloads = (seq, nanos, bytes, offset, length) -> {
            pastEnd = seq > lastSeq || nanos > lastNanos;
            if (!pastEnd && (pattern == null || matches(pattern, bytes, offset, length))) {
                out.payload(bytes, offset, length);
            }
        };
        try (LogCursor cursor = new LogCursor(dir, start, false)) {
            while (!pastEnd) {
                boolean got;
                if (out.wantsRecords()) {
                    LogRecord r = cursor.next();
                    got = r != null;
                    pastEnd = got && (r.seq() > lastSeq || r.epochNanos() > lastNanos);
                    if (got && !pastEnd && (pattern == null || matches(pattern, r.payload(), 0, r.payload().length))) {
                        out.record(r);
                    }
                } else {
                    got = cursor.nextPayload(payloads);
                }
                if (!got) {
                    out.flush();
                    if (!follow || StdoutReader.gone()) {
                        break;
                    }
                    Thread.sleep(POLL_MS);
                }
            }
            out.flush();
        }
    }

    /**
     * Newest first, a segment at a time from the last: it holds one segment's records of the range in
     * memory, not the whole range.
     */
    private void printReversed(Path dir, long start, RecordWriter out, Pattern pattern) throws IOException {
        long lastSeq = lastSeq();
        long lastNanos = lastNanos();
        List<Path> segments = Segments.list(dir);
        for (int i = segments.size() - 1; i >= 0; i--) {
            long first = Math.max(start, SegmentNames.firstSeq(segments.get(i)));
            long end = i + 1 < segments.size() ? SegmentNames.firstSeq(segments.get(i + 1)) - 1 : Long.MAX_VALUE;
            if (first > Math.min(end, lastSeq)) {
                continue;
            }
            List<LogRecord> records = new ArrayList<>();
            try (LogCursor cursor = new LogCursor(dir, first, false)) {
                for (LogRecord r = cursor.next(); r != null && r.seq() <= Math.min(end, lastSeq)
                        && r.epochNanos() <= lastNanos; r = cursor.next()) {
                    if (pattern == null || matches(pattern, r.payload(), 0, r.payload().length)) {
                        records.add(r);
                    }
                }
            }
            for (int k = records.size() - 1; k >= 0; k--) {
                out.record(records.get(k));
            }
            out.flush();
            if (first <= start) {
                break;
            }
        }
    }

    /** The last seq the output may hold: {@code --to}, and without {@code -f} the log's end as tail started. */
    private long lastSeq() {
        return Math.min(to != null ? to : Long.MAX_VALUE, lastAtStart);
    }

    /** The latest record time the output may hold: {@code --until}. */
    private long lastNanos() {
        Instant until = times.until();
        return until != null ? TimeSeek.saturatedEpochNanos(until) : Long.MAX_VALUE;
    }

    private long startSeq(Path dir, Pattern pattern) throws IOException {
        if (from != null) {
            return from;
        }
        Instant since = times.since();
        if (since != null) {
            return TimeSeek.firstSeqAtOrAfter(dir, since);
        }
        long n = lastN != null ? lastN : (follow ? 10 : -1);
        if (n < 0) {
            return 1;
        }
        long end = LogCursor.lastSeq(dir);
        if (!follow) {
            lastAtStart = end;
        }
        // As journalctl's -n with --until and -g: the last N records of the range, and of them those that match.
        if (to != null) {
            end = Math.min(end, to);
        }
        Instant until = times.until();
        if (until != null && until.isBefore(Instant.MAX)) {
            end = Math.min(end, TimeSeek.firstSeqAtOrAfter(dir, until.plusNanos(1)) - 1);
        }
        return pattern == null ? Math.max(1, end - n + 1) : lastMatchesStart(dir, end, n, pattern);
    }

    /**
     * The seq of the {@code n}-th record from {@code end} back whose payload matches, or 1 when fewer match:
     * the segments are read from the last back, keeping at most {@code n} seqs.
     */
    private static long lastMatchesStart(Path dir, long end, long n, Pattern pattern) throws IOException {
        if (n == 0) {
            return end + 1;
        }
        long wanted = n;
        List<Path> segments = Segments.list(dir);
        for (int i = segments.size() - 1; i >= 0; i--) {
            long first = SegmentNames.firstSeq(segments.get(i));
            if (first > end) {
                continue;
            }
            ArrayDeque<Long> matched = new ArrayDeque<>();
            try (LogCursor cursor = new LogCursor(dir, first, false)) {
                for (LogRecord r = cursor.next(); r != null && r.seq() <= end; r = cursor.next()) {
                    if (matches(pattern, r.payload(), 0, r.payload().length)) {
                        matched.addLast(r.seq());
                        if (matched.size() > wanted) {
                            matched.removeFirst();
                        }
                    }
                }
            }
            if (matched.size() == wanted) {
                return matched.peekFirst();
            }
            wanted -= matched.size();
            end = first - 1;
        }
        return 1;
    }

    private Pattern parseGrep(CommandLine cl) {
        if (grep == null) {
            return null;
        }
        try {
            return Pattern.compile(grep);
        } catch (PatternSyntaxException e) {
            throw new CommandLine.ParameterException(cl, "-g: '" + grep + "' is not a regular expression: "
                    + e.getDescription());
        }
    }

    private static boolean matches(Pattern pattern, byte[] bytes, int offset, int length) {
        return pattern.matcher(new String(bytes, offset, length, StandardCharsets.UTF_8)).find();
    }

    static PayloadMode parseMode(CommandLine cl, String value) {
        try {
            return PayloadMode.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--payload " + e.getMessage());
        }
    }
}
