package afterme.cli;

import afterme.command.DataDir;
import afterme.command.ExitCodes;
import afterme.format.DataDirLock;
import afterme.format.Hashes;
import afterme.format.LogCursor;
import afterme.format.Problem;
import afterme.format.ProblemKind;
import afterme.format.RecordJson;
import afterme.format.RecordKey;
import afterme.format.SegmentHeader;
import afterme.format.SegmentScan;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.format.SuggestedCommand;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code afterme info}: what {@code GET /v1/log} says, from the files, with or without a daemon: log id,
 * first and last seq, segments, bytes, format versions, chain head, the first and last record's time,
 * and whether a daemon holds the log. Reads the headers, the last segment, and the first record. Without a
 * daemon it also tells of a torn tail, which the last segment's scan finds anyway: after a crash, that is
 * what recover (or serve, at its start) cuts. A running daemon's last record may be half written for an
 * instant, so while one holds the log that is not known.
 */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Describe a log from its files.")
public final class InfoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataDir data;

    @Option(names = "--json", description = "One JSON object, with GET /v1/log's field names where they mean the same.")
    boolean json;

    /**
     * What the files say.
     *
     * @param tornTailBytes the bytes after the last valid record of the last segment, which recover cuts; null
     *                      while a daemon holds the log
     * @param tornTail      the torn tail as verify describes it, or null
     */
    record Info(String logId, long firstSeq, long lastSeq, int segments, long bytes, TreeSet<Integer> versions,
                String chainHead, Long firstNanos, Long lastNanos, boolean locked, Long tornTailBytes,
                String tornTail) {
    }

    @Override
    public Integer call() throws IOException {
        Path dir = data.get();
        PrintWriter err = spec.commandLine().getErr();
        String notALog = Segments.notALog(dir);
        if (notALog != null) {
            err.println("afterme info: " + notALog);
            return ExitCodes.CANNOT_RUN;
        }
        Info info = read(dir);
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? json(info) : text(dir, info));
        out.flush();
        return ExitCodes.OK;
    }

    static Info read(Path dir) throws IOException {
        List<Path> segments = Segments.list(dir);
        Path halfCreated = null;
        if (!segments.isEmpty() && Segments.beingCreated(segments.get(segments.size() - 1))) {
            // Not part of the log: it holds no header, and no record. Without a daemon, a crash left it.
            halfCreated = segments.get(segments.size() - 1);
            segments = segments.subList(0, segments.size() - 1);
        }
        boolean locked = locked(dir);
        SegmentScan halfScan = halfCreated != null && !locked ? SegmentScanner.scan(halfCreated, false) : null;
        if (segments.isEmpty()) {
            return new Info(null, 0, 0, 0, 0, new TreeSet<>(), null, null, null, locked,
                    locked ? null : halfScan != null ? halfScan.tornBytes() : 0L, tornTail(halfScan));
        }
        TreeSet<Integer> versions = new TreeSet<>();
        String logId = null;
        long bytes = 0;
        for (int i = 0; i < segments.size(); i++) {
            Path s = segments.get(i);
            try (FileChannel ch = FileChannel.open(s, StandardOpenOption.READ)) {
                SegmentHeader h = SegmentScanner.readHeader(ch, s.getFileName().toString());
                versions.add(h.version());
                logId = logId == null ? h.logId().toString() : logId;
            }
            bytes += i < segments.size() - 1 ? Files.size(s) : 0;
        }
        SegmentScan last = SegmentScanner.scan(segments.get(segments.size() - 1), false);
        bytes += last.trailer() != null ? last.validEnd() : last.dataEnd();
        SegmentScan tornScan = locked ? null : halfScan != null ? halfScan
                : last.end() == SegmentScan.End.TORN_TAIL ? last : null;
        long lastSeq = last.lastSeq();
        Long lastNanos = last.recordCount() > 0 ? last.lastEpochNanos() : null;
        if (lastNanos == null && segments.size() > 1) {
            SegmentScan before = SegmentScanner.scan(segments.get(segments.size() - 2), false);
            lastNanos = before.recordCount() > 0 ? before.lastEpochNanos() : null;
        }
        Long firstNanos = null;
        if (lastSeq > 0) {
            try (LogCursor cursor = new LogCursor(dir, 1, false)) {
                RecordKey first = cursor.nextKey();
                firstNanos = first != null ? first.epochNanos() : null;
            }
        }
        return new Info(logId, lastSeq > 0 ? 1 : 0, lastSeq, segments.size(), bytes, versions,
                Hashes.hex(last.chainHead()), firstNanos, lastNanos, locked,
                locked ? null : tornScan != null ? tornScan.tornBytes() : 0L, tornTail(tornScan));
    }

    /** The torn tail a scan found, as verify words it; null for none. */
    private static String tornTail(SegmentScan scan) {
        return scan == null ? null : scan.problems(true).stream().filter(p -> p.kind() == ProblemKind.TORN_TAIL)
                .map(Problem::describe).findFirst().orElse(null);
    }

    /** Whether a daemon (or a recover) holds the directory's lock now. */
    private static boolean locked(Path dir) throws IOException {
        try (DataDirLock lock = DataDirLock.acquire(dir)) {
            return false;
        } catch (DataDirLock.LockedException e) {
            return true;
        }
    }

    private static String json(Info i) throws IOException {
        StringWriter s = new StringWriter();
        try (JsonGenerator g = RecordJson.FACTORY.createGenerator(s)) {
            g.writeStartObject();
            g.writeStringField("log_id", i.logId());
            g.writeNumberField("first_seq", i.firstSeq());
            g.writeNumberField("last_seq", i.lastSeq());
            g.writeNumberField("segments", i.segments());
            g.writeNumberField("bytes", i.bytes());
            g.writeArrayFieldStart("format_versions");
            for (int v : i.versions()) {
                g.writeNumber(v);
            }
            g.writeEndArray();
            g.writeStringField("chain_head", i.chainHead());
            g.writeStringField("first_time", time(i.firstNanos()));
            g.writeStringField("last_time", time(i.lastNanos()));
            g.writeBooleanField("locked", i.locked());
            if (i.tornTailBytes() == null) {
                g.writeNullField("torn_tail_bytes");
            } else {
                g.writeNumberField("torn_tail_bytes", i.tornTailBytes());
            }
            g.writeEndObject();
        }
        return s.toString();
    }

    static String text(Path dir, Info i) {
        if (i.logId() == null) {
            return "log:        " + dir + " (empty: no segment yet)\n" + tornTailLine(dir, i)
                    + "daemon:     " + (i.locked() ? "running (it holds the lock)" : "none holds the lock");
        }
        return "log:        " + dir + "\n"
                + "log id:     " + i.logId() + "\n"
                + "records:    " + (i.lastSeq() == 0 ? "none" : "seq " + i.firstSeq() + " to " + i.lastSeq()) + "\n"
                + "first:      " + orNone(time(i.firstNanos())) + "\n"
                + "last:       " + orNone(time(i.lastNanos())) + "\n"
                + "segments:   " + i.segments() + ", " + i.bytes() + " bytes, " + versions(i.versions()) + "\n"
                + "chain head: " + i.chainHead() + "\n"
                + tornTailLine(dir, i)
                + "daemon:     " + (i.locked() ? "running (it holds the lock)" : "none holds the lock");
    }

    private static String tornTailLine(Path dir, Info i) {
        return i.tornTail() == null ? "" : "torn tail:  " + i.tornTail() + "; a crash left it: '"
                + SuggestedCommand.recover(dir) + "' cuts it, backing its bytes up first (serve does at its start)\n";
    }

    /** "format version 3", or "format versions 1, 3" for a log that older segments keep in an older one. */
    private static String versions(Set<Integer> versions) {
        return (versions.size() == 1 ? "format version " : "format versions ")
                + versions.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    private static String orNone(String s) {
        return s == null ? "none" : s;
    }

    private static String time(Long epochNanos) {
        return epochNanos == null ? null : RecordJson.formatTime(Math.floorDiv(epochNanos, 1_000_000_000L),
                (int) Math.floorMod(epochNanos, 1_000_000_000L));
    }
}
