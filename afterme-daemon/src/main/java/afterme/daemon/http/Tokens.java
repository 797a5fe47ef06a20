package afterme.daemon.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The bearer tokens of {@code --token-file}: lines {@code <token> <role>[,<role>]}, {@code #} comments.
 * Tokens are compared in constant time and never logged. Immutable.
 */
public final class Tokens {
    /** What a token may do; {@code admin} may do everything. */
    public enum Role { APPEND, READ, ADMIN }

    private record Entry(byte[] token, Set<Role> roles) {
    }

    private final List<Entry> entries;

    private Tokens(List<Entry> entries) {
        this.entries = entries;
    }

    public static Tokens load(Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> lineOf = new HashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length != 2) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": expected '<token> <role>[,<role>]'");
            }
            Set<Role> roles = EnumSet.noneOf(Role.class);
            for (String r : parts[1].split(",")) {
                try {
                    roles.add(Role.valueOf(r.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": unknown role '" + r
                            + "'; roles are append, read, admin");
                }
            }
            Integer first = lineOf.putIfAbsent(parts[0], i + 1);
            if (first != null) {
                // Which line would count was left to the order of the file; the token itself is never printed.
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": the token of line " + first
                        + " again; give each token one line with all its roles, as in '<token> read,append'");
            }
            entries.add(new Entry(parts[0].getBytes(StandardCharsets.UTF_8), roles));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no tokens");
        }
        return new Tokens(entries);
    }

    /** The roles of a token, or null when it is unknown. Every entry is compared, in constant time. */
    Set<Role> rolesOf(String token) {
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        Set<Role> found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.token, given)) {
                found = e.roles;
            }
        }
        return found;
    }
}
