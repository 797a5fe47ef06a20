package afterme.daemon.http;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The pool of direct buffers that large request bodies are read into, so that they never sit on the heap.
 *
 * <p>Why: at 64 connections of 1 MiB bodies, a body held as one array is a humongous object to G1 (two
 * whole 1 MiB regions under a 256 MiB heap), and enough of them at once keep G1 marking back to back;
 * held in smaller arrays instead, they live through young collections (about 100 ms at that load) and are
 * copied and promoted. Pooled off the heap they cost the collector nothing: 1 MiB durable appends at 64
 * connections went from 501-782 to 655-842 requests/s (http-ab).
 *
 * <p>How much: the in-flight budget counts a body held here at its pieces' whole size, so the pieces in
 * use never pass the budget; the pool keeps as many free pieces as the budget holds, so it allocates only
 * when all are in use, and the direct memory it ever holds is bounded by the budget too.
 */
final class BodyPieces {
    static final int PIECE_BYTES = 64 << 10;

    private final ArrayBlockingQueue<ByteBuffer> free;

    BodyPieces(long budgetBytes) {
        this.free = new ArrayBlockingQueue<>((int) Math.max(1, Math.min(Integer.MAX_VALUE, budgetBytes / PIECE_BYTES)));
    }

    /**
     * Whether a body of {@code length} bytes (-1 when unknown) is read into pieces rather than an array:
     * one of unknown length may be as long as the limit allows, which the heap may not hold.
     */
    static boolean holds(long length) {
        return length < 0 || length >= PIECE_BYTES;
    }

    /** The bytes a body of {@code length} takes in pieces: whole pieces. */
    static long heldBytes(long length) {
        return (length + PIECE_BYTES - 1) / PIECE_BYTES * PIECE_BYTES;
    }

    /**
     * An empty piece, ready to be filled.
     *
     * @throws HttpError 503 when the JVM allows no more direct memory (its limit, by default the heap's
     *                   maximum, can be set below the in-flight budget): that body is refused, not the daemon
     */
    ByteBuffer take() {
        ByteBuffer piece = free.poll();
        if (piece != null) {
            return piece.clear();
        }
        try {
            return ByteBuffer.allocateDirect(PIECE_BYTES);
        } catch (OutOfMemoryError e) {
            throw new HttpError(503, "busy", "no direct memory is left to hold the request body (" + e.getMessage()
                    + "); retry later, or raise the JVM's -XX:MaxDirectMemorySize");
        }
    }

    /** Gives pieces back once nothing reads them any more. */
    void give(ByteBuffer[] pieces) {
        for (ByteBuffer piece : pieces) {
            free.offer(piece);
        }
    }
}
