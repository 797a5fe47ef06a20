package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.Storage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-over between background fsyncs, driven step by step as the writer drives it. A background
 * fsync that has returned must be settled by the next call that would start one, whether or not the
 * writer has seen its wake-up: the wake-up may have been drained from the queue with a group of appends,
 * and appends waiting durable then sat out the writer's 100 ms idle poll (1 in 10 durable 64 KiB appends
 * at 64 connections waited 50-110 ms).
 */
@Timeout(30)
class SyncPipelineTest {
    @TempDir
    Path dir;

    @Test
    void aReturnedBackgroundFsyncIsSettledAndTheNextStartsWithoutAWakeUp() throws Exception {
        // 1 KiB flushes: every durable append of 4 KiB goes to the syncer thread.
        LogConfig config = LogConfig.defaults(dir).withFlush(Duration.ofHours(1), 1024);
        SyncPipeline sync = new SyncPipeline(config, new WriterStats(), List.of());
        ActiveSegment active = ActiveSegment.create(Storage.DEFAULT, dir, UUID.randomUUID(), 1, new byte[32], 0);
        try {
            sync.adopt(active.size(), 0);
            Append first = written(sync, active, 1);
            assertFalse(sync.writerSyncs(), "4 KiB unsynced is past the flush size");
            sync.syncInBackground(active, 1, () -> { }, e -> { throw new AssertionError(e); });
            awaitReturned(sync);
            Append second = written(sync, active, 2);
            assertEquals(0, sync.nanosToFlush(), "the writer must not wait with a returned fsync to settle");
            // The writer never took the first fsync's wake-up; it asks for the next fsync all the same.
            sync.syncInBackground(active, 2, () -> { }, e -> { throw new AssertionError(e); });
            assertTrue(first.durable.isDone(), "the returned fsync was settled");
            awaitReturned(sync);
            sync.settle();
            assertEquals(2, second.durable.getNow(null).lastSeq(), "the next fsync covered the append written since");
            assertEquals(2, sync.durableSeq());
        } finally {
            sync.settle();
            sync.shutdown();
            active.close();
        }
    }

    @Test
    void theWriterSyncsSmallAppendsItselfAndLeavesLargeOnesToTheSyncerThread() throws Exception {
        SyncPipeline sync = new SyncPipeline(LogConfig.defaults(dir), new WriterStats(), List.of());
        ActiveSegment active = ActiveSegment.create(Storage.DEFAULT, dir, UUID.randomUUID(), 1, new byte[32], 0);
        try {
            sync.adopt(active.size(), 0);
            int small = (int) SyncPipeline.LARGE_APPEND_BYTES / 4;
            for (long seq = 1; seq <= 3; seq++) {
                written(sync, active, seq, small);
            }
            assertTrue(sync.writerSyncs(), "three appends of 64 KiB wait durable: the writer syncs them");
            sync.syncOnWriter(active, 3);
            written(sync, active, 4, (int) SyncPipeline.LARGE_APPEND_BYTES);
            assertFalse(sync.writerSyncs(), "one append of 256 KiB waits durable: the syncer thread syncs it");
            assertTrue(sync.backgroundDue());
            written(sync, active, 5, small);
            assertTrue(sync.writerSyncs(), "a large and a small append wait, 160 KiB each on average");
        } finally {
            sync.settle();
            sync.shutdown();
            active.close();
        }
    }

    private static void awaitReturned(SyncPipeline sync) throws InterruptedException {
        for (int i = 0; i < 500 && !sync.backgroundDone(); i++) {
            Thread.sleep(10);
        }
        assertTrue(sync.backgroundDone(), "the background fsync returned");
    }

    /** An append of 4 KiB waiting durable, written to the segment as the writer writes it. */
    private static Append written(SyncPipeline sync, ActiveSegment active, long seq) throws Exception {
        return written(sync, active, seq, 4096);
    }

    private static Append written(SyncPipeline sync, ActiveSegment active, long seq, int bytes) throws Exception {
        Append a = Append.of("x".repeat(bytes).getBytes(StandardCharsets.UTF_8), Ack.DURABLE);
        active.append(new ByteBuffer[] {ByteBuffer.wrap(new byte[bytes])}, ActiveSegment.SMALL_WRITE_ALONE, null);
        sync.wrote(bytes);
        sync.written(new Staged(a, new AppendResult(seq, seq, Instant.EPOCH, false)));
        return a;
    }
}
