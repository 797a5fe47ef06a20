package afterme.command;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
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
}
