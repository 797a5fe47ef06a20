package afterme.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint writer keeps the newest checkpoint, reports a failed write, and never loses the last one. */
@Timeout(30)
class CheckpointWriterTest {
    private static final UUID LOG = UUID.randomUUID();

    @TempDir
    Path dir;

    private static Checkpoint at(long seq) {
        byte[] chain = new byte[32];
        chain[0] = (byte) seq;
        return new Checkpoint("f", LOG, seq, chain, "memory://x");
    }

    @Test
    void closingWritesTheNewestCheckpointHandedOver() throws Exception {
        Path file = Checkpoint.file(dir, "f");
        CheckpointWriter w = new CheckpointWriter(file, "f");
        for (long seq = 1; seq <= 500; seq++) {
            w.offer(at(seq));
        }
        w.close();
        assertEquals(500, Checkpoint.read(file).seq());
    }

    @Test
    void aFailedWriteIsReportedOnceAndTheNextCheckpointIsWrittenWhenTheDiskTakesItAgain() throws Exception {
        Path file = Checkpoint.file(dir, "f");
        Files.writeString(file.getParent(), "a file where the forward directory belongs");
        CheckpointWriter w = new CheckpointWriter(file, "f");
        w.offer(at(1));
        IOException failure = null;
        for (long seq = 2; failure == null; seq++) {
            Thread.sleep(20);
            try {
                w.offer(at(seq));
            } catch (IOException e) {
                failure = e;
            }
        }
        Files.delete(file.getParent());
        w.offer(at(1000));
        w.close();
        assertEquals(1000, Checkpoint.read(file).seq());
    }

    @Test
    void closingTriesTheLastFailedCheckpointAgain() throws Exception {
        Path file = Checkpoint.file(dir, "f");
        Files.writeString(file.getParent(), "in the way");
        CheckpointWriter w = new CheckpointWriter(file, "f");
        w.offer(at(7));
        // The write fails meanwhile and nothing newer comes: closing writes it again.
        Thread.sleep(300);
        Files.delete(file.getParent());
        w.close();
        assertEquals(7, Checkpoint.read(file).seq());
    }
}
