package afterme.command;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Which names a mistyped one was probably meant to be: those fewest edits away, at most two. */
final class Typos {
    private static final int MOST_EDITS = 2;

    private Typos() {
    }

    /** "; did you mean --from?", or "" when no name is near enough. */
    static String didYouMean(String given, Collection<String> names) {
        List<String> nearest = nearest(given, names);
        return nearest.isEmpty() ? "" : "; did you mean " + String.join(" or ", nearest) + "?";
    }

    private static List<String> nearest(String given, Collection<String> names) {
        List<String> nearest = new ArrayList<>();
        int best = MOST_EDITS + 1;
        for (String name : names) {
            int d = edits(given, name);
            // Two edits make any two short words alike: "-x" is not a typo of "-n".
            if (d > Math.min(MOST_EDITS, (name.replace("-", "").length() - 1) / 2)) {
                continue;
            }
            if (d < best) {
                best = d;
                nearest.clear();
            }
            if (d == best && !nearest.contains(name)) {
                nearest.add(name);
            }
        }
        return nearest;
    }

    /** Insertions, deletions, substitutions and swaps of two neighbours that make {@code a} into {@code b}. */
    private static int edits(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
