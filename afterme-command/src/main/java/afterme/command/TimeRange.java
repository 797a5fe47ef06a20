package afterme.command;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --since}, {@code --until} and {@code --utc}, read as journalctl reads them ({@link Units#parseTime}),
 * in local time unless {@code --utc}. A Picocli mixin; the times are read once the whole command line is
 * known, so that {@code --utc} applies wherever it stands.
 */
public final class TimeRange {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--since", paramLabel = "TIME", description = "From the first record at or after TIME "
            + "(2026-12-01 18:48[:30], RFC 3339, a date, today, yesterday, now, -1h, 1h ago).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Up to the last record at or before TIME.")
    String until;

    @Option(names = "--utc", description = "Read and show times in UTC instead of local time.")
    boolean utc;

    private Instant now;

    /** Whether {@code --since} was given. */
    public boolean hasSince() {
        return since != null;
    }

    /** Whether {@code --until} was given. */
    public boolean hasUntil() {
        return until != null;
    }

    /** The zone times are read and shown in. */
    public ZoneId zone() {
        return utc ? ZoneOffset.UTC : ZoneId.systemDefault();
    }

    /** {@code --since}, or null. */
    public Instant since() {
        return parse("--since", since);
    }

    /** {@code --until}, or null. */
    public Instant until() {
        return parse("--until", until);
    }

    /** A usage error when {@code --since} comes after {@code --until}: such a range holds nothing. */
    public void check() {
        Instant from = since();
        Instant to = until();
        if (from != null && to != null && from.isAfter(to)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--since " + since + " is after --until "
                    + until + ": nothing lies between them");
        }
    }

    private Instant parse(String option, String text) {
        if (text == null) {
            return null;
        }
        if (now == null) {
            now = Clock.systemUTC().instant();
        }
        try {
            return Units.parseTime(text, zone(), now);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }
}
