package afterme.dump;

import afterme.format.Hashes;
import afterme.format.LogRecord;
import afterme.format.PayloadMode;
import afterme.format.Problem;
import afterme.format.ProblemKind;
import afterme.format.RecordJson;
import afterme.format.SegmentScan;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.format.cli.CommandLines;
import afterme.format.cli.Converters;
import afterme.format.cli.ExitCodes;
import afterme.format.cli.Stdout;
import afterme.format.cli.Tty;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code afterme dump}: every record with its location as NDJSON, or one object per segment header. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Print every record with its segment and offset (NDJSON); reads damaged files up to the damage.")
public final class DumpCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Data directories or segment files.")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--from", paramLabel = "SEQ")
    long from = 1;

    @Option(names = "--to", paramLabel = "SEQ")
    long to = Long.MAX_VALUE;

    @Option(names = "--since", paramLabel = "TIME", converter = Converters.TimeConverter.class)
    Instant since;

    @Option(names = "--until", paramLabel = "TIME", converter = Converters.TimeConverter.class)
    Instant until;

    @Option(names = "--payload", paramLabel = "MODE", description = "auto (default), utf8, base64 or none.")
    String payload = "auto";

    @Option(names = "--segments", description = "Print one object per segment header instead of records.")
    boolean segmentsOnly;

    public static void main(String[] args) {
        System.exit(CommandLines.configure(new CommandLine(new DumpCommand())).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PayloadMode mode;
        try {
            mode = PayloadMode.valueOf(payload.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--payload must be auto, utf8, base64 or none");
        }
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isRegularFile(p)) {
                files.add(p);
            } else if (Segments.notALog(p) == null) {
                files.addAll(Segments.list(p));
            } else {
                spec.commandLine().getErr().println("afterme dump: " + Segments.notALog(p));
                return ExitCodes.CANNOT_RUN;
            }
        }
        OutputStream out = Stdout.open();
        boolean damaged = false;
        long total = 0;
        for (Path file : files) {
            total += Files.size(file);
        }
        long all = total;
        RecordJson.LineWriter json = new RecordJson.LineWriter(out, mode, RecordJson.Location.INCLUDE);
        try (Tty tty = Tty.stderr()) {
            long before = 0;
            for (Path file : files) {
                long base = before;
                SegmentScan scan = SegmentScanner.scan(file, true, segmentsOnly ? null : r -> {
                    if (inRange(r)) {
                        json.write(r);
                    }
                }, (seq, nanos, offset, length) -> tty.progress("dump", base + offset + length, all));
                json.flush();
                before += scan.fileSize();
                tty.clearProgress();
                if (segmentsOnly) {
                    writeSegment(out, scan);
                }
                for (Problem p : scan.problems()) {
                    damaged = true;
                    out.flush();
                    spec.commandLine().getErr().println("afterme dump: " + p.describe()
                            + (p.kind() == ProblemKind.TORN_TAIL ? "" : "; records after it are not shown"));
                }
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

    private boolean inRange(LogRecord r) {
        return r.seq() >= from && r.seq() <= to && (since == null || !r.time().isBefore(since))
                && (until == null || !r.time().isAfter(until));
    }

    private static void writeSegment(OutputStream out, SegmentScan s) throws IOException {
        try (JsonGenerator g = RecordJson.FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("segment", s.name());
            g.writeNumberField("size", s.fileSize());
            if (s.fillBytes() > 0) {
                g.writeNumberField("fill", s.fillBytes());
            }
            if (s.header() != null) {
                g.writeNumberField("format_version", s.header().version());
                g.writeStringField("log_id", s.header().logId().toString());
                g.writeNumberField("first_seq", s.header().firstSeq());
                g.writeStringField("prev_chain", Hashes.hex(s.header().prevChain()));
            }
            g.writeNumberField("last_seq", s.lastSeq());
            g.writeNumberField("record_count", s.recordCount());
            g.writeStringField("end", s.end().name().toLowerCase(Locale.ROOT));
            g.writeBooleanField("sealed", s.trailer() != null);
            g.writeStringField("chain_head", Hashes.hex(s.chainHead()));
            g.writeEndObject();
        }
        out.write('\n');
    }
}
