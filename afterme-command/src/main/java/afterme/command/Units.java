package afterme.command;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the command line's sizes ({@code 64KiB}), durations ({@code 10ms}) and times (RFC 3339 or a date). */
public final class Units {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|B|KiB|MiB|GiB|TiB)", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ns|us|ms|s|m|h)");

    private Units() {
    }

    /** Bytes from {@code 512}, {@code 64KiB}, {@code 1MiB}, {@code 1GiB} (binary multiples). */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; use e.g. 512, 64KiB, 1MiB, 1GiB");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 0;
            case "kib" -> 10;
            case "mib" -> 20;
            case "gib" -> 30;
            default -> 40;
        };
        long n = Long.parseLong(m.group(1));
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return n << shift;
    }

    /** A duration from {@code 10ms}, {@code 2s}, {@code 500us}, {@code 1m}, {@code 1h}. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; use e.g. 10ms, 2s, 1m");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ns" -> Duration.ofNanos(n);
            case "us" -> Duration.ofNanos(n * 1000);
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /**
     * An instant from RFC 3339 ({@code 2026-11-24T15:30:00Z}, {@code 2026-11-24T16:30:00+01:00}) or a date
     * ({@code 2026-11-24}: its start in the given zone, the way journalctl reads {@code --since}).
     */
    public static Instant parseTime(String text, ZoneId zone) {
        String t = text.trim();
        try {
            if (t.length() == 10) {
                return LocalDate.parse(t, DateTimeFormatter.ISO_LOCAL_DATE).atStartOfDay(zone).toInstant();
            }
            return OffsetDateTime.parse(t.replace(' ', 'T'), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a time; use RFC 3339 "
                    + "(2026-11-24T15:30:00Z) or a date (2026-11-24)");
        }
    }
}
