package afterme.dump;

import afterme.format.LogFormatException;
import afterme.format.LogRecord;
import afterme.format.PayloadMode;
import afterme.format.Problem;
import afterme.format.ProblemKind;
import afterme.format.RecordJson;
import afterme.format.SegmentHeader;
import afterme.format.SegmentLinks;
import afterme.format.SegmentNames;
import afterme.format.SegmentScan;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.command.Choices;
import afterme.command.CommandLines;
import afterme.command.DataPaths;
import afterme.command.ExitCodes;
import afterme.command.SeqRange;
import afterme.command.Stdout;
import afterme.command.TimeRange;
import afterme.terminal.Tty;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code afterme dump}: every record with its location as NDJSON, or one object per segment header. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Print every record with its segment and offset (NDJSON); reads damaged files up to the damage.")
public final class DumpCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataPaths paths;

    @Mixin
    TimeRange times;

    @Option(names = "--from", paramLabel = "SEQ", description = "Records from this seq on.")
    long from = 1;

    @Option(names = "--to", paramLabel = "SEQ", description = "Records up to this seq.")
    long to = Long.MAX_VALUE;


    @Option(names = "--payload", paramLabel = "MODE", completionCandidates = Choices.PayloadModes.class,
            description = "How payloads are written: ${COMPLETION-CANDIDATES} (default: auto).")
    String payload = "auto";

    @Option(names = "--segments", description = "Print one object per segment header instead of records.")
    boolean segmentsOnly;

    @Option(names = "--salvage", description = "Go on past damage with every record that can still be proven"
            + " (its CRC32C, seq, chain link and SHA-256 hold), saying on stderr what was skipped.")
    boolean salvage;

    /** Where records go: stdout unless given. */
    private final OutputStream records;

    public DumpCommand() {
        this(null);
    }

    /** A dump whose records go to {@code records} instead of stdout (for callers that read them back). */
    public DumpCommand(OutputStream records) {
        this.records = records;
    }

    public static void main(String[] args) {
        System.exit(CommandLines.configure(new CommandLine(new DumpCommand())).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PayloadMode mode;
        try {
            mode = PayloadMode.parse(payload);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--payload " + e.getMessage());
        }
        SeqRange.check(spec.commandLine(), from, to);
        times.check();
        Instant since = times.since();
        Instant until = times.until();
        // Each data directory is a log of its own, as verify takes each PATH.
        List<Run> runs = new ArrayList<>();
        for (Path p : paths.get()) {
            if (Files.isRegularFile(p)) {
                if (runs.isEmpty() || !runs.get(runs.size() - 1).givenAsFiles()) {
                    runs.add(new Run(new ArrayList<>(), true));
                }
                runs.get(runs.size() - 1).segments().add(p);
            } else if (Segments.notALog(p) == null) {
                runs.add(new Run(Segments.list(p), false));
            } else {
                spec.commandLine().getErr().println("afterme dump: " + Segments.notALog(p));
                return ExitCodes.CANNOT_RUN;
            }
        }
        OutputStream out = records != null ? records : Stdout.open();
        long total = 0;
        for (Run run : runs) {
            for (Path file : run.segments()) {
                total += Files.size(file);
            }
        }
        boolean damaged = false;
        try (Tty tty = Tty.stderrBesideRecords()) {
            Walk walk = new Walk(new RecordJson.LineWriter(out, mode, RecordJson.Location.INCLUDE), out, tty, total,
                    since, until);
            for (Run run : runs) {
                damaged |= walk.run(run);
            }
            out.flush();
        } catch (IOException e) {
            if (Stdout.isClosedPipe(e)) {
                return ExitCodes.OK;
            }
            throw e;
        }
        return damaged ? ExitCodes.DATA_PROBLEM : ExitCodes.OK;
    }

    /**
     * Segments read as one log: a data directory's, whose first must start the log, or segment files given one
     * after another, which need only follow one another.
     */
    private record Run(List<Path> segments, boolean givenAsFiles) {
    }

    /** One dump's way through its runs, in the order given: where its records go, and its progress. */
    private final class Walk {
        private final RecordJson.LineWriter json;
        private final OutputStream out;
        private final Tty tty;
        private final long allBytes;
        private final Instant since;
        private final Instant until;
        private long bytesBefore;

        Walk(RecordJson.LineWriter json, OutputStream out, Tty tty, long allBytes, Instant since, Instant until) {
            this.json = json;
            this.out = out;
            this.tty = tty;
            this.allBytes = allBytes;
            this.since = since;
            this.until = until;
        }

        /**
         * Dumps one run, its segments linked among themselves; it stops at the first damage that holds
         * records, unless --salvage.
         *
         * @return whether a problem was found
         */
        boolean run(Run run) throws IOException {
            List<Path> segments = run.segments();
            SegmentLinks links = run.givenAsFiles() ? SegmentLinks.anywhere() : new SegmentLinks();
            boolean damaged = false;
            for (Path file : segments) {
                long base = bytesBefore;
                // The links to the segments before are checked first: records after a broken link are not shown.
                List<Problem> problems = new ArrayList<>(links.peek(headerOnly(file)));
                SegmentScanner.RecordSink sink = segmentsOnly || (!problems.isEmpty() && !salvage) ? null : r -> {
                    if (inRange(r, since, until)) {
                        json.write(r);
                    }
                };
                SegmentScan scan = salvage && !segmentsOnly ? SegmentScanner.salvage(file, sink)
                        : SegmentScanner.scan(file, true, sink,
                                (seq, nanos, offset, length, goesOn) -> tty.progress("dump", base + offset + length, allBytes));
                links.next(SegmentLinks.Ends.of(scan));
                problems.addAll(scan.problems(file.equals(segments.get(segments.size() - 1))));
                json.flush();
                bytesBefore += scan.fileSize();
                tty.clearProgress();
                if (segmentsOnly) {
                    RecordJson.writeSegment(out, scan);
                }
                boolean stop = false;
                for (Problem p : problems) {
                    out.flush();
                    boolean holdsRecords = p.kind() != ProblemKind.TORN_TAIL;
                    // --segments shows every segment whatever it holds, so it has nothing to skip or leave out.
                    spec.commandLine().getErr().println("afterme dump: " + p.describe() + (segmentsOnly ? ""
                            : salvage ? "; skipped"
                            : holdsRecords && !stop
                            ? "; records after it are not shown (--salvage shows those that can still be proven)"
                            : ""));
                    damaged = true;
                    stop |= holdsRecords;
                }
                if (stop && !salvage && !segmentsOnly) {
                    break;
                }
            }
            return damaged;
        }
    }

    /** What the links check needs of a segment before its records are read: its name and header. */
    private static SegmentLinks.Ends headerOnly(Path file) throws IOException {
        long nameSeq = SegmentNames.isSegment(file) ? SegmentNames.firstSeq(file) : 0;
        SegmentHeader header = null;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            header = SegmentScanner.readHeader(ch, file.getFileName().toString());
        } catch (LogFormatException e) {
            // the scan reports it
        }
        return new SegmentLinks.Ends(file.getFileName().toString(), nameSeq, header, null, 0, null, 0);
    }

    private boolean inRange(LogRecord r, Instant since, Instant until) {
        return r.seq() >= from && r.seq() <= to && (since == null || !r.time().isBefore(since))
                && (until == null || !r.time().isAfter(until));
    }
}
