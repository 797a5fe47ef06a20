package afterme.verify;

import afterme.format.LogVerifier;
import afterme.format.Problem;
import afterme.format.ProblemKind;
import afterme.format.RecordJson;
import afterme.format.RecoveryPlan;
import afterme.format.SegmentNames;
import afterme.format.Segments;
import afterme.format.SuggestedCommand;
import afterme.command.CommandLines;
import afterme.command.DataPaths;
import afterme.command.ExitCodes;
import afterme.terminal.Tty;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code afterme verify}: checks every byte of a log; exit 0 clean, 1 problems found. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check segment headers, trailers, every record's CRC32C and SHA-256, the chain and seq continuity.")
public final class VerifyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataPaths paths;

    @Option(names = "--quick", description = "Skip the SHA-256 of payloads (CRC32C and chain are still checked).")
    boolean quick;

    @Option(names = "--json", description = "Print one JSON report instead of lines.")
    boolean json;

    public static void main(String[] args) {
        System.exit(CommandLines.configure(new CommandLine(new VerifyCommand())).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean clean = true;
        for (Path path : paths.get()) {
            boolean file = Files.isRegularFile(path);
            if (!file && Segments.notALog(path) != null) {
                err.println("afterme verify: " + Segments.notALog(path));
                return ExitCodes.CANNOT_RUN;
            }
            LogVerifier.Report report;
            try (Tty tty = Tty.stderr()) {
                LogVerifier.Progress progress = (done, total) -> tty.progress("verify", done, total);
                report = file ? LogVerifier.verifyFiles(List.of(path), !quick, progress)
                        : LogVerifier.verify(Segments.list(path), !quick, progress);
            }
            clean &= report.clean();
            if (json) {
                out.println(RecordJson.report(path.toString(), report));
            } else {
                for (Problem p : report.problems()) {
                    out.println(p.describe());
                }
                out.println(path + ": " + (report.clean() ? "ok" : report.problems().size() + " problem(s)") + ", "
                        + report.scans().size() + " segment(s), " + report.records() + " record(s), last seq "
                        + report.lastSeq() + ", " + report.bytes() + " bytes" + (quick ? " (quick: no SHA-256)" : ""));
                if (!report.clean()) {
                    out.println(nextStep(path, report));
                }
            }
        }
        out.flush();
        return clean ? ExitCodes.OK : ExitCodes.DATA_PROBLEM;
    }

    /**
     * A next step that runs as printed: recover takes the data directory, not a segment file, and when the
     * damage lies before the tail, the seq to cut at is the first damaged record's. Recover works on the
     * files named as segments alone, so for a file named otherwise (another copy, or no segment at all) it
     * is no next step.
     */
    private static String nextStep(Path path, LogVerifier.Report report) {
        boolean file = Files.isRegularFile(path);
        if (file && !SegmentNames.isSegment(path)) {
            return "next: recover works on the segment files of a data directory, named by their first seq (as "
                    + SegmentNames.name(1) + "), and " + path + " is not one";
        }
        Path dir = file ? (path.getParent() != null ? path.getParent() : Path.of(".")) : path;
        for (Problem p : report.problems()) {
            if (p.kind() != ProblemKind.TORN_TAIL && p.seq() > 0) {
                return "next: " + RecoveryPlan.beforeCutting(p) + "'" + SuggestedCommand.recoverDryRunAt(dir, p.seq())
                        + "' shows the cut of seq " + p.seq()
                        + " and every record after it; without --dry-run it makes it, backing the bytes up first";
            }
        }
        return "next: '" + SuggestedCommand.recover(dir) + "' cuts the torn tail, backing its bytes up first";
    }
}
