package afterme.terminal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongFunction;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The terminal on stderr, when there is one (JLine decides): progress bars are drawn only there, and
 * prompts are asked only there and only when stdin is a terminal too. Owned by one command; not
 * thread-safe.
 */
public final class Tty implements AutoCloseable {
    private static final long REDRAW_NANOS = 100_000_000L;
    /** Work shorter than this gets no bar, and does not pay for finding the terminal. */
    private static final long BAR_AFTER_NANOS = 500_000_000L;
    private static final Path STDIN = Path.of("/proc/self/fd/0");
    private static final Path STDERR = Path.of("/proc/self/fd/2");
    private static final Path STDOUT = Path.of("/proc/self/fd/1");

    private final long started = System.nanoTime();
    private Terminal terminal;
    private boolean looked;
    /** Null until asked: stdout is the same terminal as stderr. */
    private Boolean shared;
    private long lastDraw;
    private boolean drawn;

    /** The command streams records to stdout while it draws: no bar when stdout is the same terminal. */
    private final boolean streaming;

    private Tty(boolean streaming) {
        this.streaming = streaming;
    }

    /** The terminal behind stderr, looked up when first needed; draws nothing when stderr is a pipe or a file. */
    public static Tty stderr() {
        return new Tty(false);
    }

    /**
     * The same, for a command that writes records to stdout as it goes ({@code dump}): its bar is drawn
     * only when stdout is not the terminal stderr is, or it would be spliced into the records.
     */
    public static Tty stderrBesideRecords() {
        return new Tty(true);
    }

    private Terminal terminal() {
        if (!looked) {
            looked = true;
            if (!mayBeTerminal(STDERR)) {
                return null;
            }
            try {
                Terminal t = TerminalBuilder.builder().system(true).systemOutput(TerminalBuilder.SystemOutput.SysErr)
                        .dumb(true).build();
                if (t.getType().startsWith("dumb")) {
                    t.close();
                } else {
                    terminal = t;
                }
            } catch (IOException e) {
                terminal = null;
            }
        }
        return terminal;
    }

    /**
     * False when the OS shows that a file descriptor is surely not a terminal: on Linux its link under
     * {@code /proc} names a pipe, a file or {@code /dev/null}. JLine's own probing takes about 0.25 s to
     * find that out, a good part of a short command's time; where there is no such link, JLine decides.
     */
    static boolean mayBeTerminal(Path fd) {
        try {
            return isTerminalDevice(Files.readSymbolicLink(fd).toString());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return true;
        }
    }

    /**
     * Whether stdout is a terminal: where binary payloads are not written raw and colour may be used.
     * Without {@code /proc}, a console means both stdin and stdout are terminals (so for stdin, below).
     */
    public static boolean stdoutIsTerminal() {
        return isTerminal(STDOUT);
    }

    /** Whether stdin is a terminal: what a command reads from it is being typed. */
    public static boolean stdinIsTerminal() {
        return isTerminal(STDIN);
    }

    private static boolean isTerminal(Path fd) {
        try {
            return isTerminalDevice(Files.readSymbolicLink(fd).toString());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** Colour on stdout: only on a terminal, and never when {@code NO_COLOR} is set (no-color.org). */
    public static boolean colourOnStdout() {
        String noColor = System.getenv("NO_COLOR");
        return (noColor == null || noColor.isEmpty()) && stdoutIsTerminal();
    }

    /**
     * Whether stdout and stderr are the same terminal: a progress bar on stderr would then be spliced into
     * the records on stdout, so none is drawn.
     */
    static boolean stdoutIsStderr() {
        try {
            return Files.readSymbolicLink(STDOUT).equals(Files.readSymbolicLink(STDERR));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    private static boolean isTerminalDevice(String target) {
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    }

    private boolean sharedWithStdout() {
        if (shared == null) {
            shared = stdoutIsStderr();
        }
        return shared;
    }

    public boolean isTerminal() {
        return terminal() != null;
    }

    /** Redraws a progress bar (at most ten times a second): {@code what [#####.....] 45% done/total}, in bytes. */
    public void progress(String what, long done, long total) {
        progress(what, done, total, Tty::human);
    }

    /** The same, with {@code done} and {@code total} written by {@code unit} (records, say, rather than bytes). */
    public void progress(String what, long done, long total, LongFunction<String> unit) {
        long now = System.nanoTime();
        if (total <= 0 || now - started < BAR_AFTER_NANOS || terminal() == null || (streaming && sharedWithStdout())) {
            return;
        }
        if (drawn && now - lastDraw < REDRAW_NANOS && done < total) {
            return;
        }
        lastDraw = now;
        drawn = true;
        int width = Math.max(10, Math.min(40, terminal.getWidth() - 40));
        int filled = (int) (width * Math.min(1.0, (double) done / total));
        PrintWriter w = terminal.writer();
        w.print("\r" + what + " [" + "#".repeat(filled) + ".".repeat(width - filled) + "] "
                + (int) (100.0 * done / total) + "% " + unit.apply(done) + "/" + unit.apply(total) + "  ");
        w.flush();
    }

    /** Clears the progress line so that the next message starts clean. */
    public void clearProgress() {
        if (terminal != null && drawn) {
            terminal.writer().print("\r" + " ".repeat(Math.max(0, terminal.getWidth() - 1)) + "\r");
            terminal.writer().flush();
            drawn = false;
        }
    }

    /** Asks a yes/no question on the terminal; false (no) when there is none or the user gives up. */
    public boolean confirm(String question) {
        if (terminal() == null || System.console() == null) {
            return false;
        }
        // The terminal stays in its normal (cooked) mode: it echoes and edits the line itself, and a
        // line editor would only shorten the question on narrow terminals.
        clearProgress();
        terminal.writer().print(question + " [y/N] ");
        terminal.writer().flush();
        StringBuilder answer = new StringBuilder();
        try {
            for (int c = terminal.reader().read(); c >= 0 && c != '\n' && c != '\r'; c = terminal.reader().read()) {
                answer.append((char) c);
            }
        } catch (IOException e) {
            return false;
        }
        return answer.toString().strip().toLowerCase(Locale.ROOT).startsWith("y");
    }

    private static String human(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format("%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format("%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes >= 1024 ? (bytes >> 10) + " KiB" : bytes + " B";
    }

    @Override
    public void close() {
        if (terminal != null) {
            clearProgress();
            try {
                terminal.close();
            } catch (IOException e) {
                // closing the terminal only restores its modes; nothing is lost if that fails
            }
        }
    }
}
