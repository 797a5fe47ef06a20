package afterme.command;

import picocli.CommandLine;

/** The checks {@code --from SEQ} and {@code --to SEQ} get wherever a tool takes both (tail, dump). */
public final class SeqRange {
    private SeqRange() {
    }

    /**
     * A usage error for a negative seq (seqs start at 1; 0 reads as before the first record, as {@code from=0}
     * does over HTTP), or for {@code --from} after {@code --to}; null means not given.
     */
    public static void check(CommandLine cl, Long from, Long to) {
        notNegative(cl, "--from", from);
        notNegative(cl, "--to", to);
        if (from != null && to != null && from > to) {
            throw new CommandLine.ParameterException(cl, "--from " + from + " is after --to " + to
                    + ": nothing lies between them");
        }
    }

    private static void notNegative(CommandLine cl, String option, Long seq) {
        if (seq != null && seq < 0) {
            throw new CommandLine.ParameterException(cl, option + " takes a seq, 1 or more, not " + seq);
        }
    }
}
