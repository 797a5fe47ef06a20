package afterme.daemon.log;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The idempotency keys of the last N records, with the seqs their append got. Owned by the writer
 * thread (not thread-safe): lookups and inserts happen where seqs are assigned, so they are exact.
 */
final class IdempotencyWindow {
    private record Entry(ByteBuffer key, long firstSeq, long lastSeq, long epochNanos) {
    }

    private final int windowRecords;
    private final Map<ByteBuffer, Entry> byKey = new HashMap<>();
    private final ArrayDeque<Entry> inOrder = new ArrayDeque<>();

    IdempotencyWindow(int windowRecords) {
        this.windowRecords = windowRecords;
    }

    /** The first seq, last seq and first time (epoch nanos) an earlier append with this key got, or null. */
    long[] find(byte[] key) {
        Entry e = byKey.get(ByteBuffer.wrap(key));
        return e == null ? null : new long[] {e.firstSeq, e.lastSeq, e.epochNanos};
    }

    /** Records an append; seqs must grow from call to call. */
    void add(byte[] key, long firstSeq, long lastSeq, long epochNanos) {
        ByteBuffer k = ByteBuffer.wrap(key.clone());
        Entry previous = byKey.get(k);
        if (previous != null && previous.lastSeq == firstSeq - 1) {
            // Rebuilding from the log: a batch's records all carry its key.
            firstSeq = previous.firstSeq;
            epochNanos = previous.epochNanos;
        }
        Entry e = new Entry(k, firstSeq, lastSeq, epochNanos);
        byKey.put(k, e);
        inOrder.addLast(e);
    }

    /** Forgets keys whose records fell out of the window ending at {@code lastSeq}. */
    void expire(long lastSeq) {
        while (!inOrder.isEmpty() && inOrder.peekFirst().lastSeq <= lastSeq - windowRecords) {
            Entry e = inOrder.removeFirst();
            byKey.remove(e.key, e);
        }
    }
}
