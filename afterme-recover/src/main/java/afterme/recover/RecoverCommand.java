package afterme.recover;

import afterme.format.DataDirLock;
import afterme.format.LogVerifier;
import afterme.format.Problem;
import afterme.format.RecoveryPlan;
import afterme.format.Segments;
import afterme.format.Storage;
import afterme.format.SuggestedCommand;
import afterme.format.TailRepair;
import afterme.command.CommandLines;
import afterme.command.DataDir;
import afterme.command.ExitCodes;
import afterme.command.Failures;
import afterme.terminal.Tty;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;

/**
 * {@code afterme recover}: cuts torn tails and half-created segments, backing up every byte it removes
 * first. Damage in the middle of the log is reported, and cut only when asked with --truncate-at-seq.
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Cut torn tails (backed up first); with --truncate-at-seq N, cut N and every later record.")
public final class RecoverCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    DataDir data;

    /** The data directory, read from the command line once it is parsed. */
    private Path dir;

    @Option(names = "--dry-run", description = "Show what would be done; change nothing. Exits 1 when it would cut"
            + " something, 0 when there is nothing to do.")
    boolean dryRun;

    @Option(names = "--yes", description = "Act without asking (needed when not on a terminal).")
    boolean yes;

    @Option(names = "--backup-dir", paramLabel = "D", description = "Where removed bytes go (default: DIR/recovered).")
    Path backupDir;

    @Option(names = "--truncate-at-seq", paramLabel = "N",
            description = "Cut record N and all later records (a batch is cut whole: from its first record).")
    Long truncateAtSeq;

    public static void main(String[] args) {
        System.exit(CommandLines.configure(new CommandLine(new RecoverCommand())).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        dir = data.get();
        // Before the lock, which would leave a LOCK file in a directory that holds no log.
        String notALog = Segments.notALog(dir);
        if (notALog != null) {
            err.println("afterme recover: " + notALog);
            return ExitCodes.CANNOT_RUN;
        }
        if (truncateAtSeq != null && truncateAtSeq < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--truncate-at-seq must be >= 1");
        }
        if (backupDir != null && Files.exists(backupDir) && !Files.isDirectory(backupDir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--backup-dir: " + backupDir
                    + " is not a directory");
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
        RecoveryPlan plan = truncateAtSeq != null ? RecoveryPlan.truncateAt(segments, truncateAtSeq)
                : tailPlan(segments, err);
        if (plan == null) {
            return ExitCodes.DATA_PROBLEM;
        }
        if (plan.cuts().isEmpty()) {
            err.println("afterme recover: nothing to do: no torn tail" + (truncateAtSeq != null ? " and no records from seq "
                    + truncateAtSeq : ""));
            return verifyAfter(err);
        }
        Path backups = backupDir != null ? backupDir : dir.resolve("recovered");
        for (RecoveryPlan.Cut c : plan.cuts()) {
            err.println((dryRun ? "would cut " : "will cut ") + c.describe() + ", saving the bytes under " + backups);
        }
        if (dryRun) {
            // A dry run that would cut something found a data problem, so that a script can tell.
            return ExitCodes.DATA_PROBLEM;
        }
        if (!yes) {
            Integer notNow = askToProceed(err);
            if (notNow != null) {
                return notNow;
            }
        }
        try {
            Files.createDirectories(backups);
        } catch (IOException e) {
            err.println("afterme recover: cannot create the backup directory " + backups + " (" + Failures.describe(e)
                    + "); nothing was cut; give one you may write to with --backup-dir");
            return ExitCodes.CANNOT_RUN;
        }
        List<Path> saved = plan.carryOut(new TailRepair(backups, Clock.systemUTC(), Storage.DEFAULT));
        for (int i = 0; i < saved.size(); i++) {
            RecoveryPlan.Cut c = plan.cuts().get(i);
            err.println("cut " + c.segment().getFileName() + " at offset " + c.keepBytes() + "; saved " + saved.get(i));
        }
        return verifyAfter(err);
    }

    /** What start-up would cut by itself; null, after saying why, when the damage needs --truncate-at-seq. */
    private RecoveryPlan tailPlan(List<Path> segments, PrintWriter err) throws IOException {
        LogVerifier.Report report = LogVerifier.verify(segments, true);
        RecoveryPlan plan = RecoveryPlan.of(report);
        if (!plan.refused()) {
            report.problems().forEach(p -> err.println(p.describe()));
            return plan;
        }
        err.println(plan.refusal().describe());
        err.println("afterme recover: damage in the middle of the log is never cut silently; "
                + RecoveryPlan.beforeCutting(plan.refusal()) + "to cut it and everything after it (backed up first),"
                + " run '"
                + SuggestedCommand.recoverAt(dir, plan.truncateAtSeq()) + "' (add --dry-run first to see the cut)");
        return null;
    }

    /**
     * Asks on the terminal; null to go on, else the exit code: a usage error off a terminal (it needs
     * --yes), and, when the answer is no, 1, as a dry run says: what was to be cut is still there.
     */
    private Integer askToProceed(PrintWriter err) {
        try (Tty tty = Tty.stderr()) {
            if (!tty.isTerminal() || System.console() == null) {
                err.println("afterme recover: not on a terminal; run again with --yes to act (or --dry-run to look)");
                return ExitCodes.USAGE;
            }
            err.flush();
            if (!tty.confirm("Proceed?")) {
                err.println("afterme recover: nothing changed");
                return ExitCodes.DATA_PROBLEM;
            }
            return null;
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
