package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.LogCursor;
import afterme.format.LogRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full file system: a 1 MiB tmpfs. Mounting needs root (and a container that allows it); without
 * that the test is skipped and says why. The injected faults of FaultInjectionTest cover the same paths
 * everywhere.
 */
class FullDiskTest {
    @TempDir
    Path tmp;

    @Test
    void aFullDiskFailsAppendsCleanlyAndTheyResumeWhenSpaceReturns() throws Exception {
        Path mount = tmp.resolve("small");
        Files.createDirectories(mount);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): "
                + new String(p.getInputStream().readAllBytes()).strip());
        try {
            Path dir = mount.resolve("data");
            Path filler = mount.resolve("filler");
            Files.write(filler, new byte[600 * 1024]);
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
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
