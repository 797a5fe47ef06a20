package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.SaidLines;
import afterme.format.LogCursor;
import afterme.format.LogRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full file system: a 1 MiB tmpfs ({@link SmallTmpfs}). The injected faults of FaultInjectionTest
 * cover the same paths everywhere.
 */
class FullDiskTest {
    @TempDir
    Path tmp;

    @Test
    void aFullDiskFailsAppendsCleanlyAndTheyResumeWhenSpaceReturns() throws Exception {
        try (SmallTmpfs fs = SmallTmpfs.mountOrSkip(tmp, "1m")) {
            Path dir = fs.mount.resolve("data");
            Path filler = fs.fill(600 * 1024);
            long acked = 0;
            AppendException full = null;
            try (SaidLines said = SaidLines.of(LogWriter.class); Log log = Log.open(LogConfig.defaults(dir))) {
                byte[] payload = new byte[10_000];
                int refused = 0;
                while (refused < 5) {
                    try {
                        acked = log.submit(Append.of(payload, Ack.DURABLE)).durable.get().lastSeq();
                    } catch (ExecutionException e) {
                        full = (AppendException) e.getCause();
                        refused++;
                    }
                }
                assertEquals(AppendException.Reason.NO_SPACE, full.reason(), full.getMessage());
                assertEquals(acked, log.lastSeq(), "the failed append left nothing");
                Files.delete(filler);
                long resumed = log.submit(Append.of(payload, Ack.DURABLE)).durable.get().lastSeq();
                assertEquals(acked + 1, resumed);
                // Five refused appends are one line for the operator, and the end of them another.
                List<String> lines = said.lines().stream().filter(l -> !l.contains("sealed")).toList();
                assertEquals(2, lines.size(), lines.toString());
                assertTrue(lines.get(0).startsWith("WARNING writing to the log failed (1 attempt(s) in a row): ")
                        && lines.get(0).contains("bytes left, the write needed")
                        && lines.get(0).endsWith("its appends were refused (507); appends resume once " + dir
                        + " has room"), lines.toString());
                assertEquals("INFO writing to the log works again, at seq " + resumed + ", after 5 failed attempt(s)",
                        lines.get(1));
            }
            try (Log log = Log.open(LogConfig.defaults(dir)); LogCursor c = log.cursor(1)) {
                assertTrue(log.repairs().isEmpty(), "no torn tail after a full disk");
                long n = 0;
                for (LogRecord r = c.next(); r != null; r = c.next()) {
                    n++;
                }
                assertEquals(acked + 1, n);
            }
        }
    }
}
