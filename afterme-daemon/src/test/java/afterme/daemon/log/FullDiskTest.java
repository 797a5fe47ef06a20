package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.LogCursor;
import afterme.format.LogRecord;
import java.nio.file.Files;
import java.nio.file.Path;
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
            try (Log log = Log.open(LogConfig.defaults(dir))) {
                byte[] payload = new byte[10_000];
                while (full == null) {
                    try {
                        acked = log.submit(Append.of(payload, Ack.DURABLE)).durable.get().lastSeq();
                    } catch (ExecutionException e) {
                        full = (AppendException) e.getCause();
                    }
                }
                assertEquals(AppendException.Reason.NO_SPACE, full.reason(), full.getMessage());
                assertEquals(acked, log.lastSeq(), "the failed append left nothing");
                Files.delete(filler);
                long resumed = log.submit(Append.of(payload, Ack.DURABLE)).durable.get().lastSeq();
                assertEquals(acked + 1, resumed);
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
