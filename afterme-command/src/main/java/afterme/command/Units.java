package afterme.command;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the command line's whole numbers, sizes ({@code 64KiB}), durations ({@code 10ms}) and times (RFC 3339 or
 * a date).
 */
public final class Units {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|B|KiB|MiB|GiB|TiB)", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ns|us|ms|s|m|h)");
    private static final Pattern WHOLE = Pattern.compile("[+-]?[0-9]+");

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
        long n = number(m.group(1), text);
        if (n > (Long.MAX_VALUE >> shift)) {
            throw tooLarge(text);
        }
        return n << shift;
    }

    /**
     * A whole number, signed, at most {@code max} either way: a seq or a count. Too large or too small is
     * said so, not "For input string".
     */
    public static long parseWholeNumber(String text, long max) {
        if (!WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
        try {
            long n = Long.parseLong(text);
            if (n <= max && n >= -max) {
                return n;
            }
        } catch (NumberFormatException pastALong) {
            // as much too large as past max
        }
        throw new IllegalArgumentException("'" + text + "' is too " + (text.startsWith("-") ? "small (at least -"
                : "large (at most ") + max + ")");
    }

    /**
     * A duration from {@code 10ms}, {@code 2s}, {@code 500us}, {@code 1m}, {@code 1h}, or {@code 0}, which
     * needs no unit (as systemd reads it).
     */
    public static Duration parseDuration(String text) {
        if (text.trim().equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; use e.g. 10ms, 2s, 1m");
        }
        long n = number(m.group(1), text);
        try {
            return switch (m.group(2)) {
                case "ns" -> Duration.ofNanos(n);
                case "us" -> Duration.ofNanos(Math.multiplyExact(n, 1000));
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        } catch (ArithmeticException e) {
            throw tooLarge(text);
        }
    }

    /** The digits as a long; more than a long holds is too large, not "For input string". */
    private static long number(String digits, String text) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw tooLarge(text);
        }
    }

    private static IllegalArgumentException tooLarge(String text) {
        return new IllegalArgumentException("'" + text + "' is too large");
    }

    /** Relative times as journalctl takes them: {@code -1h}, {@code +30min}, {@code 2 days ago}. */
    private static final Pattern RELATIVE = Pattern.compile(
            "([+-])(\\d+)\\s*([a-z]+)|(\\d+)\\s*([a-z]+)\\s+ago", Pattern.CASE_INSENSITIVE);
    private static final String TIMES = "use 2026-12-01 18:48[:30], 2026-12-01T18:48:30[Z|+01:00], 2026-12-01, "
            + "today, yesterday, now, -1h or 1h ago";

    /**
     * An instant as journalctl takes one: RFC 3339 with an offset; a date and time without one
     * ({@code 2026-11-24 15:30}, {@code 2026-11-24T15:30:00.5}) or a date alone ({@code 2026-11-24}, its
     * start), both in {@code zone}; {@code now}, {@code today}, {@code yesterday}, {@code tomorrow}; and
     * times relative to now ({@code -1h}, {@code +30min}, {@code 1h ago}).
     */
    public static Instant parseTime(String text, ZoneId zone, Instant now) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        LocalDate today = LocalDate.ofInstant(now, zone);
        switch (t) {
            case "now":
                return now;
            case "today":
                return today.atStartOfDay(zone).toInstant();
            case "yesterday":
                return today.minusDays(1).atStartOfDay(zone).toInstant();
            case "tomorrow":
                return today.plusDays(1).atStartOfDay(zone).toInstant();
            default:
                break;
        }
        Matcher m = RELATIVE.matcher(t);
        if (m.matches()) {
            boolean ago = m.group(4) != null;
            Duration unit = unit(ago ? m.group(5) : m.group(3), text);
            try {
                Duration d = unit.multipliedBy(number(ago ? m.group(4) : m.group(2), text));
                return ago || m.group(1).equals("-") ? now.minus(d) : now.plus(d);
            } catch (ArithmeticException | DateTimeException e) {
                throw new IllegalArgumentException("'" + text + "' is too far from now");
            }
        }
        String iso = text.trim().replaceFirst("^(\\d{4}-\\d{2}-\\d{2}) ", "$1T");
        try {
            if (iso.length() == 10) {
                return LocalDate.parse(iso, DateTimeFormatter.ISO_LOCAL_DATE).atStartOfDay(zone).toInstant();
            }
            TemporalAccessor parsed = DateTimeFormatter.ISO_DATE_TIME.parseBest(iso, OffsetDateTime::from,
                    LocalDateTime::from);
            return parsed instanceof OffsetDateTime o ? o.toInstant() : ((LocalDateTime) parsed).atZone(zone).toInstant();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a time; " + TIMES);
        }
    }

    private static Duration unit(String unit, String text) {
        return switch (unit) {
            case "us", "usec" -> Duration.ofNanos(1000);
            case "ms", "msec" -> Duration.ofMillis(1);
            case "s", "sec", "second", "seconds" -> Duration.ofSeconds(1);
            case "m", "min", "minute", "minutes" -> Duration.ofMinutes(1);
            case "h", "hour", "hours" -> Duration.ofHours(1);
            case "d", "day", "days" -> Duration.ofDays(1);
            case "w", "week", "weeks" -> Duration.ofDays(7);
            default -> throw new IllegalArgumentException("'" + text + "' is not a time; " + TIMES);
        };
    }
}
