package afterme.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** A usage error says what is wrong in the user's words, and which name a typo was probably meant to be. */
class CommandLinesTest {
    @Command(name = "tail")
    static final class Tail implements Runnable {
        @Option(names = "--from")
        long from;
        @Option(names = {"-f", "--follow"})
        boolean follow;
        @Option(names = {"-n", "--lines"})
        long lines;
        @Parameters(arity = "0..1")
        String dir;

        @Override
        public void run() {
        }
    }

    @Command(name = "afterme", subcommands = {Tail.class, Serve.class, Verify.class, CommandLine.HelpCommand.class})
    static final class Top implements Runnable {
        @Override
        public void run() {
        }
    }

    @Command(name = "serve")
    static final class Serve implements Runnable {
        @Option(names = "--window")
        int window;

        @Override
        public void run() {
        }
    }

    @Command(name = "verify")
    static final class Verify implements Runnable {
        @Option(names = "--quick")
        boolean quick;

        @Override
        public void run() {
        }
    }

    @Test
    void aMistypedOptionIsNamedWithTheOneItWasMeantToBe() {
        assertEquals("afterme tail: unknown option '--form'; did you mean --from?\nTry 'afterme tail --help'.\n",
                error(new Top(), "tail", "--form", "3", "d2"));
        assertEquals("afterme verify: unknown option '--quik'; did you mean --quick?\nTry 'afterme verify --help'.\n",
                error(new Top(), "verify", "--quik=1"));
        assertEquals("afterme tail: unknown option '-x'\nTry 'afterme tail --help'.\n", error(new Top(), "tail", "-x"));
    }

    @Test
    void aMistypedCommandIsNamedAndTheCommandsListed() {
        assertEquals("afterme: 'tial' is not a command; did you mean tail? (the commands: tail, serve, verify, help)\n"
                + "Try 'afterme --help'.\n", error(new Top(), "tial"));
        assertEquals("afterme: 'bogus' is not a command (the commands: tail, serve, verify, help)\nTry 'afterme --help'.\n",
                error(new Top(), "bogus"));
        assertEquals("afterme: 'tial' is not a command; did you mean tail? (the commands: tail, serve, verify, help)\n"
                + "Try 'afterme --help'.\n", error(new Top(), "help", "tial"));
    }

    @Test
    void anArgumentTooManyIsCalledThat() {
        assertEquals("afterme tail: unexpected argument 'e1' (and 1 more after it)\nTry 'afterme tail --help'.\n",
                error(new Top(), "tail", "d2", "e1", "e2"));
    }

    @Test
    void aNumberThatIsNotOneIsCalledThatNotALong() {
        assertEquals("afterme tail: Invalid value for option '--from': 'x' is not a whole number\n"
                + "Try 'afterme tail --help'.\n", error(new Top(), "tail", "--from", "x"));
        assertEquals("afterme tail: Invalid value for option '--lines': '1.5' is not a whole number\n"
                + "Try 'afterme tail --help'.\n", error(new Top(), "tail", "-n", "1.5"));
        assertEquals("afterme tail: Invalid value for option '--from': '99999999999999999999' is too large (at most "
                + Long.MAX_VALUE + ")\nTry 'afterme tail --help'.\n", error(new Top(), "tail", "--from",
                "99999999999999999999"));
        assertEquals("afterme serve: Invalid value for option '--window': '2147483648' is too large (at most "
                + Integer.MAX_VALUE + ")\nTry 'afterme serve --help'.\n", error(new Top(), "serve", "--window",
                "2147483648"));
        assertEquals("afterme serve: Invalid value for option '--window': '" + Long.MIN_VALUE + "' is too small (at"
                + " least -" + Integer.MAX_VALUE + ")\nTry 'afterme serve --help'.\n", error(new Top(), "serve",
                "--window", Long.toString(Long.MIN_VALUE)));
    }

    private static String error(Object command, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = CommandLines.configure(new CommandLine(command));
        cl.setErr(new PrintWriter(err, true));
        assertEquals(ExitCodes.USAGE, cl.execute(args));
        return err.toString().replace(System.lineSeparator(), "\n");
    }
}
