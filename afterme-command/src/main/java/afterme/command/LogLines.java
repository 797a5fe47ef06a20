package afterme.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The log lines of the commands that run until stopped ({@code serve}, {@code forward}) on stderr, through
 * the JDK's logging: one line each (time, level, logger's last name, message), where the JDK's default
 * spreads each over two and dates it in the machine's locale. {@code debug} is afterme's own: the libraries'
 * loggers stay at {@code info}, or the JDK's HTTP client, its certificate store and JNA would fill stderr
 * with their own details (every trusted root certificate, a line every few seconds while idle).
 */
public final class LogLines {
    /** Held here, because the JDK keeps only weak references to loggers and would forget a level set on one. */
    private static final Logger AFTERME = Logger.getLogger("afterme");

    /** The levels {@code serve --log-level} takes, for completion and the help text. */
    public static final class Levels extends ArrayList<String> {
        public Levels() {
            super(List.of("error", "warning", "info", "debug"));
        }
    }

    private LogLines() {
    }

    /** @throws IllegalArgumentException for a level that is not error, warning, info or debug */
    public static void configure(String level) {
        Level l = switch (level.toLowerCase(Locale.ROOT)) {
            case "error" -> Level.SEVERE;
            case "warning", "warn" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            default -> throw new IllegalArgumentException("--log-level must be error, warning, info or debug, not '"
                    + level + "'");
        };
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(l);
        console.setFormatter(new LineFormat());
        root.addHandler(console);
        root.setLevel(l.intValue() < Level.INFO.intValue() ? Level.INFO : l);
        AFTERME.setLevel(l);
    }

    /**
     * One line a log record: time, level, class, message. The level is named as {@code --log-level} names it
     * ("ERROR" where java.util.logging says "SEVERE", "DEBUG" for its "FINE").
     */
    static final class LineFormat extends SimpleFormatter {
        @Override
        public String format(LogRecord r) {
            String name = r.getLoggerName() == null ? "" : r.getLoggerName();
            String thrown = r.getThrown() == null ? "" : ": " + r.getThrown();
            return String.format(Locale.ROOT, "%1$tF %1$tT.%1$tL %2$s %3$s: %4$s%5$s%n", r.getMillis(),
                    levelName(r.getLevel()), name.substring(name.lastIndexOf('.') + 1), formatMessage(r), thrown);
        }

        private static String levelName(Level level) {
            int v = level.intValue();
            return v >= Level.SEVERE.intValue() ? "ERROR" : v >= Level.WARNING.intValue() ? "WARNING"
                    : v >= Level.INFO.intValue() ? "INFO" : "DEBUG";
        }
    }
}
