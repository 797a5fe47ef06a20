package afterme.recover;

import afterme.format.DataDirLock;
import afterme.format.LogVerifier;
import afterme.format.Problem;
import afterme.format.ProblemKind;
import afterme.format.SegmentNames;
import afterme.format.SegmentScan;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.format.Storage;
import afterme.format.TailRepair;
import afterme.format.cli.CommandLines;
import afterme.format.cli.ExitCodes;
import afterme.format.cli.Tty;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code afterme recover}: cuts torn tails and half-created segments, backing up every byte it removes
 * first. Damage in the middle of the log is reported, and cut only when asked with --truncate-at-seq.
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Cut torn tails (backed up first); with --truncate-at-seq N, cut N and every later record.")
public final class RecoverCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "Data directory (default: afterme-data).")
    Path dir = Path.of("afterme-data");

    @Option(names = "--dry-run", description = "Show what would be done; change nothing. Exits 1 when it would cut"
            + " something, 0 when there is nothing to do.")
    boolean dryRun;

    @Option(names = "--yes", description = "Act without asking (needed when not on a terminal).")
    boolean yes;

    @Option(names = "--backup-dir", paramLabel = "D", description = "Where removed bytes go (default: DIR/recovered).")
    Path backupDir;

    @Option(names = "--truncate-at-seq", paramLabel = "N", description = "Cut record N and all later records.")
    Long truncateAtSeq;

    /** One planned cut: keep the first {@code keepBytes} of a segment (0 = remove the file). */
    private record Cut(Path segment, long keepBytes, long removeBytes, String why) {
    }

    public static void main(String[] args) {
        System.exit(CommandLines.configure(new CommandLine(new RecoverCommand())).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        // Before the lock, which would leave a LOCK file in a directory that holds no log.
        String notALog = Segments.notALog(dir);
        if (notALog != null) {
            err.println("afterme recover: " + notALog);
            return ExitCodes.CANNOT_RUN;
        }
        if (truncateAtSeq != null && truncateAtSeq < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--truncate-at-seq must be >= 1");
        }
        try (DataDirLock lock = DataDirLock.acquire(dir)) {
            return recover(err);
        } catch (DataDirLock.LockedException e) {
            err.println("afterme recover: " + e.getMessage());
            return ExitCodes.CANNOT_RUN;
        }
    }

    private int recover(PrintWriter err) throws IOException {
        List<Path> segments = Segments.list(dir);
        List<Cut> plan = truncateAtSeq != null ? truncationPlan(segments) : tailPlan(segments, err);
        if (plan == null) {
            return ExitCodes.DATA_PROBLEM;
        }
        if (plan.isEmpty()) {
            err.println("afterme recover: nothing to do: no torn tail" + (truncateAtSeq != null ? " and no records from seq "
                    + truncateAtSeq : ""));
            return verifyAfter(err);
        }
        Path backups = backupDir != null ? backupDir : dir.resolve("recovered");
        for (Cut c : plan) {
            err.println((dryRun ? "would cut " : "will cut ") + c.segment().getFileName() + " at offset " + c.keepBytes()
                    + " (" + c.removeBytes() + " bytes: " + c.why() + "), saving the bytes under " + backups);
        }
        if (dryRun) {
            // SPEC §5: a dry run that would cut something found a data problem, so that a script can tell.
            return ExitCodes.DATA_PROBLEM;
        }
        if (!yes && !confirm(err)) {
            return ExitCodes.USAGE;
        }
        TailRepair repair = new TailRepair(backups, Clock.systemUTC(), Storage.DEFAULT);
        for (Cut c : plan) {
            Path backup = c.keepBytes() == 0 ? repair.remove(c.segment()) : repair.cut(c.segment(), c.keepBytes());
            Files.deleteIfExists(SegmentNames.indexFor(c.segment()));
            err.println("cut " + c.segment().getFileName() + " at offset " + c.keepBytes() + "; saved " + backup);
        }
        return verifyAfter(err);
    }

    /** Torn tails only: a half-created last segment, or bytes after the last valid record. */
    private List<Cut> tailPlan(List<Path> segments, PrintWriter err) throws IOException {
        List<Cut> plan = new ArrayList<>();
        if (segments.isEmpty()) {
            return plan;
        }
        Path last = segments.get(segments.size() - 1);
        SegmentScan s = SegmentScanner.scan(last, true);
        if (s.end() == SegmentScan.End.TORN_HEADER) {
            plan.add(new Cut(last, 0, s.fileSize(), "half-created segment"));
            segments = segments.subList(0, segments.size() - 1);
        } else if (s.end() == SegmentScan.End.TORN_TAIL) {
            s.problems().stream().filter(p -> p.kind() == ProblemKind.TORN_TAIL).forEach(p -> err.println(p.describe()));
            plan.add(new Cut(last, s.validEnd(), s.tornBytes(), "torn tail"));
        }
        LogVerifier.Report report = LogVerifier.verify(segments, true);
        List<Problem> middle = report.problems().stream().filter(p -> p.kind() != ProblemKind.TORN_TAIL
                || !p.segment().equals(last.getFileName().toString())).toList();
        if (!middle.isEmpty()) {
            for (Problem p : middle) {
                err.println(p.describe());
            }
            long seq = middle.get(0).seq() > 0 ? middle.get(0).seq() : 0;
            err.println("afterme recover: damage in the middle of the log is never cut silently; to cut it and "
                    + "everything after it (backed up first), run 'afterme recover " + dir + " --truncate-at-seq "
                    + (seq > 0 ? seq : "N") + "'");
            return null;
        }
        return plan;
    }

    /** Record N and every later record: the segment holding N is cut at N's offset, later segments removed. */
    private List<Cut> truncationPlan(List<Path> segments) throws IOException {
        List<Cut> plan = new ArrayList<>();
        long n = truncateAtSeq;
        for (Path s : segments) {
            long first = SegmentNames.firstSeq(s);
            long size = Files.size(s);
            if (first >= n) {
                plan.add(new Cut(s, 0, size, "seq " + first + " and later"));
                continue;
            }
            long[] offset = {-1};
            SegmentScan scan = SegmentScanner.scan(s, false, null, (seq, nanos, off, len) -> {
                if (seq == n && offset[0] < 0) {
                    offset[0] = off;
                }
            });
            long keep = offset[0] >= 0 ? offset[0] : (scan.lastSeq() >= n - 1 ? scan.dataEnd() : -1);
            if (keep >= 0 && keep < size && Segments.holding(segments, n) == s) {
                plan.add(new Cut(s, keep, size - keep, "seq " + n + " and later"));
            }
        }
        return plan;
    }

    private boolean confirm(PrintWriter err) {
        try (Tty tty = Tty.stderr()) {
            if (!tty.isTerminal() || System.console() == null) {
                err.println("afterme recover: not on a terminal; run again with --yes to act (or --dry-run to look)");
                return false;
            }
            err.flush();
            if (!tty.confirm("Proceed?")) {
                err.println("afterme recover: nothing changed");
                return false;
            }
            return true;
        }
    }

    private int verifyAfter(PrintWriter err) throws IOException {
        LogVerifier.Report report;
        try (Tty tty = Tty.stderr()) {
            report = LogVerifier.verify(Segments.list(dir), true, (done, total) -> tty.progress("verify", done, total));
        }
        if (report.clean()) {
            err.println("afterme recover: the log verifies clean: " + report.records() + " record(s), last seq "
                    + report.lastSeq());
            return ExitCodes.OK;
        }
        for (Problem p : report.problems()) {
            err.println(p.describe());
        }
        return ExitCodes.DATA_PROBLEM;
    }
}
