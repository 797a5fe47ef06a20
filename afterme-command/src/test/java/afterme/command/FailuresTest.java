package afterme.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FailuresTest {
    @Test
    void fileSystemRefusalsSayWhatHappenedToWhichFile() {
        assertEquals("permission denied on /data/LOCK; run as a user who may use it, or change its permissions",
                Failures.describe(new AccessDeniedException("/data/LOCK")));
        assertEquals("/data/x.seg does not exist", Failures.describe(new NoSuchFileException("/data/x.seg")));
        assertEquals("/data/a (and /data/b): Read-only file system",
                Failures.describe(new FileSystemException("/data/a", "/data/b", "Read-only file system")));
        assertEquals("/data/a: FileSystemException", Failures.describe(new FileSystemException("/data/a")));
    }

    @Test
    void otherFailuresKeepTheirMessage() {
        assertEquals("disk on fire", Failures.describe(new IOException("disk on fire")));
        assertEquals("java.lang.IllegalStateException", Failures.describe(new IllegalStateException()));
    }

    @CommandLine.Command(name = "probe")
    static final class Probe implements Callable<Integer> {
        @Override
        public Integer call() throws IOException {
            throw new AccessDeniedException("/data/00000000000000000001.seg");
        }
    }

    /** What a command that fails this way prints, and its exit code: one line, and 3. */
    @Test
    void aCommandThatFailsPrintsTheLineAndExits3() {
        StringWriter err = new StringWriter();
        CommandLine cl = CommandLines.configure(new CommandLine(new Probe())).setErr(new PrintWriter(err, true));
        assertEquals(ExitCodes.CANNOT_RUN, cl.execute());
        assertEquals("probe: permission denied on /data/00000000000000000001.seg; run as a user who may use it, or"
                + " change its permissions" + System.lineSeparator(), err.toString());
    }
}
