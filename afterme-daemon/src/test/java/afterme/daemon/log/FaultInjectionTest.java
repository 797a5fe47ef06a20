package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.Hashes;
import afterme.format.LogCursor;
import afterme.format.LogRecord;
import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * I/O faults at every call site the engine has: each write, fsync, truncate, directory sync, open and
 * delete fails in turn, as "no space left" or as an I/O error. Appends fail cleanly, nothing partial is
 * left, a failed fsync never yields a durable ack, and appends resume once the fault has passed.
 */
class FaultInjectionTest {
    private static final int APPENDS = 40;
    /** Appends of large payloads held in direct pieces, each written from its pieces ({@link StagedWrite}). */
    private static final int IN_PLACE_APPENDS = 8;

    /** What the workload saw: acks by seq, and how many appends failed. */
    private record Outcome(Map<Long, byte[]> durable, Map<Long, byte[]> written, int failures, boolean resumed,
                           List<AppendException.Reason> reasons) {
    }

    private static Outcome workload(Path dir, FaultyStorage storage) throws Exception {
        return workload(dir, storage, false, 4096);
    }

    /** @param inPlace whether the payloads are large and held in direct pieces rather than small arrays */
    private static Outcome workload(Path dir, FaultyStorage storage, boolean inPlace, long segmentSize)
            throws Exception {
        Map<Long, byte[]> durable = new HashMap<>();
        Map<Long, byte[]> written = new HashMap<>();
        List<AppendException.Reason> reasons = new ArrayList<>();
        int failures = 0;
        boolean resumed = false;
        Random random = new Random(7);
        LogConfig config = LogConfig.defaults(dir).withSegmentSize(segmentSize).withFlush(Duration.ofMillis(1), 2048)
                .withStorage(storage);
        Log opened;
        try {
            opened = Log.open(config);
        } catch (IOException e) {
            // A fault while creating the log: opening again, the way an operator restarts, must work.
            failures++;
            opened = Log.open(config);
        }
        try (Log log = opened) {
            for (int i = 0; i < (inPlace ? IN_PLACE_APPENDS : APPENDS); i++) {
                byte[] payload = new byte[inPlace ? StagedWrite.IN_PLACE_BYTES + random.nextInt(900)
                        : 10 + random.nextInt(900)];
                random.nextBytes(payload);
                Ack ack = i % 2 == 0 ? Ack.DURABLE : Ack.MEMORY;
                Append a = log.submit(inPlace ? inPlaceAppend(payload, 3, ack) : Append.of(payload, ack));
                try {
                    AppendResult r = (ack == Ack.DURABLE ? a.durable : a.written).get();
                    written.put(r.firstSeq(), payload);
                    if (ack == Ack.DURABLE) {
                        durable.put(r.firstSeq(), payload);
                    }
                    resumed |= failures > 0;
                } catch (ExecutionException e) {
                    failures++;
                    reasons.add(((AppendException) e.getCause()).reason());
                    waitUntilWritable(log);
                }
            }
        }
        return new Outcome(durable, written, failures, resumed, reasons);
    }

    /** {@code payload} in {@code n} direct buffers, each with bytes before its position that are not the payload's. */
    static ByteBuffer[] directPieces(byte[] payload, int n) {
        ByteBuffer[] pieces = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            int from = payload.length * i / n;
            int to = payload.length * (i + 1) / n;
            ByteBuffer piece = ByteBuffer.allocateDirect(to - from + 3);
            piece.put(new byte[] {9, 9, 9}).put(payload, from, to - from).flip().position(3);
            pieces[i] = piece;
        }
        return pieces;
    }

    /**
     * An append of {@code payload} as the HTTP side hands a large one over: in {@code pieces} direct
     * buffers, written from where they lie.
     */
    static Append inPlaceAppend(byte[] payload, int pieces, Ack ack) {
        return Append.of(directPieces(payload, pieces), Hashes.sha256(payload), null, null, -1, ack);
    }

    /** Waits up to 5 s for a log that refused appends after an I/O failure to take them again. */
    static void waitUntilWritable(Log log) throws InterruptedException {
        for (int i = 0; i < 500 && !log.writable(); i++) {
            Thread.sleep(10);
        }
    }

    @Test
    void everyCallSiteFailingInTurnLeavesAValidLog() throws Exception {
        FaultyStorage counting = new FaultyStorage();
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            workload(fs.getPath("/reference"), counting);
        }
        int injected = 0;
        for (FaultyStorage.Op op : FaultyStorage.Op.values()) {
            for (int at = 1; at <= counting.calls(op); at++) {
                for (String message : List.of("No space left on device", "Input/output error")) {
                    FaultyStorage storage = new FaultyStorage();
                    storage.failOnce(op, at, message, true);
                    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
                        Path dir = fs.getPath("/data");
                        Outcome o = workload(dir, storage);
                        check(dir, o, op + " call " + at + " failing with '" + message + "'");
                        if (o.failures() > 0) {
                            injected++;
                            assertTrue(o.resumed() || o.failures() + o.written().size() == APPENDS,
                                    op + " " + at + ": appends resume after the fault");
                            if (op == FaultyStorage.Op.WRITE && message.startsWith("No space") && !o.reasons().isEmpty()) {
                                assertEquals(AppendException.Reason.NO_SPACE, o.reasons().get(0));
                            }
                        }
                    }
                }
            }
        }
        assertTrue(injected > 50, "faults that failed an append: " + injected);
        System.out.println("fault injection: " + injected + " faults failed an append or an open; call sites: "
                + Arrays.stream(FaultyStorage.Op.values()).map(op -> op + "=" + counting.calls(op)).toList());
    }

    @Test
    void aWriteThatFailsHalfwayAndCannotBeCutBackIsRepairedFromTheFiles() throws Exception {
        FaultyStorage counting = new FaultyStorage();
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            workload(fs.getPath("/reference"), counting);
        }
        for (int at = 2; at <= counting.calls(FaultyStorage.Op.WRITE); at++) {
            FaultyStorage storage = new FaultyStorage();
            storage.failOnce(FaultyStorage.Op.WRITE, at, "Input/output error", true);
            storage.failOnce(FaultyStorage.Op.TRUNCATE, 1, "Input/output error", true);
            try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
                Path dir = fs.getPath("/data");
                // A failed trailer write may be repaired before the append that caused it, which then succeeds.
                Outcome o = workload(dir, storage);
                check(dir, o, "write " + at + " half done, then its cut-back failing");
            }
        }
    }

    /**
     * A large payload goes out in one gathering write with its record's head; the test's channel splits
     * it into a write per buffer, so that each of those failing, half written, is a gathering write torn
     * between or inside its buffers.
     */
    @Test
    void aWriteOfPayloadsFromWhereTheyLieFailingAtAnyOfItsBuffersLeavesAValidLog() throws Exception {
        FaultyStorage counting = new FaultyStorage();
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Outcome reference = workload(fs.getPath("/reference"), counting, true, 4096);
            assertEquals(0, reference.failures());
            check(fs.getPath("/reference"), reference, "no fault");
        }
        int injected = 0;
        for (int at = 1; at <= counting.calls(FaultyStorage.Op.WRITE); at++) {
            for (String message : List.of("No space left on device", "Input/output error")) {
                FaultyStorage storage = new FaultyStorage();
                storage.failOnce(FaultyStorage.Op.WRITE, at, message, true);
                try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
                    Path dir = fs.getPath("/data");
                    Outcome o = workload(dir, storage, true, 4096);
                    check(dir, o, "write " + at + " failing with '" + message + "'");
                    injected += o.failures() > 0 ? 1 : 0;
                }
            }
        }
        assertTrue(injected > 20, "faults that failed an append: " + injected);
    }

    /** Reopened without faults: valid, contiguous, every durable ack present, nothing that was not acked. */
    private static void check(Path dir, Outcome o, String what) throws Exception {
        try (Log log = Log.open(LogConfig.defaults(dir))) {
            assertEquals(List.of(), log.repairs(), what + ": nothing partial was left behind");
            long last = log.lastSeq();
            try (LogCursor c = log.cursor(1)) {
                long expected = 1;
                for (LogRecord r = c.next(); r != null; r = c.next()) {
                    assertEquals(expected++, r.seq(), what);
                    byte[] acked = o.written().get(r.seq());
                    assertTrue(acked != null, what + ": seq " + r.seq() + " is in the log but was never acknowledged");
                    assertArrayEquals(acked, r.payload(), what + ": seq " + r.seq());
                }
                assertEquals(last + 1, expected, what);
            }
            for (Map.Entry<Long, byte[]> e : o.durable().entrySet()) {
                assertArrayEquals(e.getValue(), log.read(e.getKey()).payload(), what + ": durable seq " + e.getKey());
            }
        }
    }

    /**
     * The same on the machine's own file system, with segments large enough for the payloads' writes to go
     * past the page cache ({@link UncachedWriter}): each of those failing, half written in whole blocks,
     * or failing at once.
     */
    @Test
    void aWriteOfLargePayloadsPastTheCacheFailingAtAnyPointLeavesAValidLog(@TempDir Path temp) throws Exception {
        FaultyStorage counting = new FaultyStorage();
        Outcome reference = workload(temp.resolve("reference"), counting, true, 256 << 10);
        assertEquals(0, reference.failures());
        check(temp.resolve("reference"), reference, "no fault");
        assertTrue(counting.directWrites() >= IN_PLACE_APPENDS, "writes past the cache: " + counting.directWrites());
        int injected = 0;
        for (int at = 1; at <= counting.calls(FaultyStorage.Op.WRITE); at++) {
            for (boolean partial : List.of(true, false)) {
                FaultyStorage storage = new FaultyStorage();
                storage.failOnce(FaultyStorage.Op.WRITE, at, "Input/output error", partial);
                Path dir = temp.resolve(at + "-" + partial);
                Outcome o = workload(dir, storage, true, 256 << 10);
                check(dir, o, "write " + at + (partial ? " failing half written" : " failing"));
                injected += o.failures() > 0 ? 1 : 0;
            }
        }
        assertTrue(injected > 10, "faults that failed an append: " + injected);
    }
}
