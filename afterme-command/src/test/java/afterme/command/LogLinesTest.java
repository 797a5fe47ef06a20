package afterme.command;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogLinesTest {
    @AfterEach
    void backToInfo() {
        LogLines.configure("info");
    }

    @Test
    void debugIsAftermesOwnAndLeavesTheLibrariesAtInfo() {
        LogLines.configure("debug");
        assertTrue(Logger.getLogger("afterme.daemon.log.LogWriter").isLoggable(Level.FINE));
        assertFalse(Logger.getLogger("jdk.event.security").isLoggable(Level.FINE));
        assertFalse(Logger.getLogger("com.sun.jna.Native").isLoggable(Level.FINE));
        assertTrue(Logger.getLogger("com.sun.jna.Native").isLoggable(Level.INFO));
    }

    @Test
    void errorQuietsEveryLoggerBelowIt() {
        LogLines.configure("error");
        assertFalse(Logger.getLogger("afterme.daemon.log.LogWriter").isLoggable(Level.WARNING));
        assertFalse(Logger.getLogger("jdk.event.security").isLoggable(Level.WARNING));
        assertTrue(Logger.getLogger("afterme.daemon.log.LogWriter").isLoggable(Level.SEVERE));
    }

    /** A line names its level in --log-level's words, not java.util.logging's SEVERE and FINE. */
    @Test
    void aLineNamesItsLevelAsLogLevelDoes() {
        LogLines.LineFormat format = new LogLines.LineFormat();
        for (Object[] c : new Object[][] {{Level.SEVERE, "ERROR"}, {Level.WARNING, "WARNING"}, {Level.INFO, "INFO"},
                {Level.FINE, "DEBUG"}}) {
            LogRecord r = new LogRecord((Level) c[0], "forwarder {0} stopped");
            r.setParameters(new Object[] {"r1"});
            r.setLoggerName("afterme.forward.Forwarder");
            String line = format.format(r);
            assertTrue(line.endsWith(" " + c[1] + " Forwarder: forwarder r1 stopped" + System.lineSeparator()), line);
        }
    }
}
