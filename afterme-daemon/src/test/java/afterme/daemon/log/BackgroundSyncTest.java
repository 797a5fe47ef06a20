package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.Storage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flush nobody waits on durable runs on the syncer thread: memory-acked appends go on while it runs,
 * durable acks still wait for an fsync of their own, and when it fails the appends it covered lose their
 * durable ack and the log recovers as from any failed fsync. So does the fsync of durable appends that
 * leave at least the flush size unsynced: the writer writes the next appends meanwhile, up to a bound.
 */
@Timeout(30)
class BackgroundSyncTest {
    @TempDir
    Path dir;

    private LogConfig config(Storage storage) {
        return LogConfig.defaults(dir).withFlush(Duration.ofMillis(1), 1 << 20).withStorage(storage);
    }

    /** No flush by time, and 1 KiB as the flush size: the only fsyncs are those durable appends ask for. */
    private LogConfig durableFsyncsOnly(Storage storage) {
        return LogConfig.defaults(dir).withFlush(Duration.ofHours(1), 1024).withStorage(storage);
    }

    private static Append memory(String payload) {
        return Append.of(payload.getBytes(StandardCharsets.UTF_8), Ack.MEMORY);
    }

    @Test
    void memoryAppendsGoOnWhileTheFlushRunsAndDurableAcksWaitForAnFsync() throws Exception {
        GatedStorage storage = new GatedStorage();
        try (Log log = Log.open(config(storage))) {
            Append first = log.submit(memory("a"));
            first.written.get();
            assertTrue(storage.blocked.await(5, TimeUnit.SECONDS), "the flush interval starts an fsync");
            // The fsync hangs; the writer does not.
            for (int i = 0; i < 100; i++) {
                log.submit(memory("b" + i)).written.get(5, TimeUnit.SECONDS);
            }
            assertEquals(101, log.lastSeq());
            assertEquals(0, log.durableSeq());
            assertFalse(first.durable.isDone());
            Append durable = log.submit(Append.of("c".getBytes(StandardCharsets.UTF_8), Ack.DURABLE));
            durable.written.get(5, TimeUnit.SECONDS);
            assertFalse(durable.durable.isDone(), "a durable ack waits while the disk is busy");
            storage.openGate();
            assertEquals(102, durable.durable.get(5, TimeUnit.SECONDS).firstSeq());
            assertEquals(1, first.durable.get(5, TimeUnit.SECONDS).firstSeq());
            assertEquals(102, log.durableSeq());
        }
    }

    @Test
    void aFailedFlushFailsTheDurableAcksItCoveredAndTheLogRecoversFromItsFiles() throws Exception {
        GatedStorage storage = GatedStorage.failing();
        try (Log log = Log.open(config(storage))) {
            Append lost = log.submit(memory("lost"));
            assertEquals(1, lost.written.get().firstSeq());
            assertTrue(storage.blocked.await(5, TimeUnit.SECONDS));
            storage.permits.release();
            ExecutionException e = assertThrows(ExecutionException.class, () -> lost.durable.get(5, TimeUnit.SECONDS));
            AppendException failure = assertInstanceOf(AppendException.class, e.getCause());
            assertEquals(AppendException.Reason.UNAVAILABLE, failure.reason());
            assertTrue(failure.getMessage().contains("Input/output error"), failure.getMessage());
            assertEquals(1, log.stats().fsyncErrors.sum());
            storage.failWith = null;
            storage.openGate();
            FaultInjectionTest.waitUntilWritable(log);
            // Nothing after the last successful fsync is trusted: the record is cut and saved aside.
            assertEquals(1, log.submit(Append.of("kept".getBytes(StandardCharsets.UTF_8), Ack.DURABLE))
                    .durable.get(5, TimeUnit.SECONDS).firstSeq());
            assertEquals("kept", new String(log.read(1).payload(), StandardCharsets.UTF_8));
        }
        try (Stream<Path> saved = Files.list(dir.resolve(LogOpener.RECOVERED))) {
            assertEquals(1, saved.count());
        }
    }

    @Test
    void theWriterGoesOnWhileALargeDurableGroupIsSynced() throws Exception {
        GatedStorage storage = new GatedStorage();
        try (Log log = Log.open(durableFsyncsOnly(storage))) {
            Append large = log.submit(Append.of(new byte[4096], Ack.DURABLE));
            large.written.get(5, TimeUnit.SECONDS);
            assertTrue(storage.blocked.await(5, TimeUnit.SECONDS), "the durable append starts an fsync");
            // Against a writer that fsyncs large groups itself, this times out.
            Append next = log.submit(Append.of(new byte[4096], Ack.DURABLE));
            assertEquals(2, next.written.get(5, TimeUnit.SECONDS).firstSeq());
            assertFalse(large.durable.isDone());
            assertFalse(next.durable.isDone());
            storage.openGate();
            assertEquals(1, large.durable.get(5, TimeUnit.SECONDS).firstSeq());
            assertEquals(2, next.durable.get(5, TimeUnit.SECONDS).firstSeq());
            assertEquals(2, log.durableSeq());
        }
    }

    @Test
    void theWriterWritesAheadOfARunningFsyncUpToABoundThenWaitsForTheDisk() throws Exception {
        GatedStorage storage = new GatedStorage();
        int mib = 1 << 20;
        int ahead = (int) (SyncPipeline.AHEAD_OF_DISK_BYTES / mib);
        try (Log log = Log.open(durableFsyncsOnly(storage))) {
            Append first = log.submit(Append.of(new byte[mib], Ack.DURABLE));
            assertTrue(storage.blocked.await(5, TimeUnit.SECONDS), "the durable append starts an fsync");
            // Against a writer that waits for the disk at the flush size (1 KiB here), the third one hangs.
            for (int i = 2; i <= ahead + 1; i++) {
                Append a = log.submit(Append.of(new byte[mib], Ack.DURABLE));
                assertEquals(i, a.written.get(5, TimeUnit.SECONDS).firstSeq());
            }
            // More than the bound is unsynced now: the writer waits for the hung fsync.
            Append waiting = log.submit(Append.of(new byte[mib], Ack.MEMORY));
            assertThrows(TimeoutException.class, () -> waiting.written.get(300, TimeUnit.MILLISECONDS));
            assertEquals(ahead + 1, log.lastSeq());
            storage.openGate();
            assertEquals(ahead + 2, waiting.written.get(5, TimeUnit.SECONDS).firstSeq());
            assertEquals(1, first.durable.get(5, TimeUnit.SECONDS).firstSeq());
            log.submit(Append.of(new byte[1], Ack.DURABLE)).durable.get(5, TimeUnit.SECONDS);
            assertEquals(ahead + 3, log.durableSeq());
        }
    }

    @Test
    void aFailedFsyncOfALargeDurableGroupFailsItsAcks() throws Exception {
        GatedStorage storage = GatedStorage.failing();
        try (Log log = Log.open(durableFsyncsOnly(storage))) {
            Append large = log.submit(Append.of(new byte[4096], Ack.DURABLE));
            assertTrue(storage.blocked.await(5, TimeUnit.SECONDS));
            storage.permits.release();
            ExecutionException e = assertThrows(ExecutionException.class, () -> large.durable.get(5, TimeUnit.SECONDS));
            assertEquals(AppendException.Reason.UNAVAILABLE, assertInstanceOf(AppendException.class, e.getCause()).reason());
            assertEquals(0, log.durableSeq());
            // The writer's recovery reopens the segment, which fsyncs it first: let that through, so it can close.
            storage.openGate();
        }
    }
}
