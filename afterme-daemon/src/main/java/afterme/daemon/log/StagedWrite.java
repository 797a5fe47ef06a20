package afterme.daemon.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of the writer's next write: records encoded into one direct buffer, and between them large
 * payloads that stay where the HTTP side read them, in pooled pieces off the heap, rather than being
 * copied into it: they go out with the buffer in one gathering write, or, where the write bypasses the
 * page cache, through {@link UncachedWriter}'s aligned buffer 4 MiB at a time. Owned by the writer thread.
 *
 * <p>Why: a copy needs room for a second copy of the payload in direct memory, which the JVM bounds (by
 * default at the heap's maximum): a 200 MB payload allowed by {@code --max-payload} stopped the writer
 * with an OutOfMemoryError under {@code -Xmx256m}, after which every append was refused. The copy also
 * read and wrote every byte once more on the writer thread, whose turn each append waits out, though the
 * rate of 256 KiB appends from 8 connections did not tell the two apart (http-ab: memory-acked 1.08 and
 * 1.01, durable 1.01 and 0.98). The kernel's own copy into the page cache reads the pieces instead.
 * Payloads on the heap, which the HTTP side keeps for bodies under 64 KiB and batches, are still copied:
 * the JDK's gathering write would copy them into a temporary direct buffer of their size anyway.
 */
final class StagedWrite {
    /** Payloads of at least this size, held in direct pieces, are written from where they lie. */
    static final int IN_PLACE_BYTES = 64 << 10;
    /**
     * What a write that carries payloads in place holds at most, where one of encoded records alone holds
     * the writer's buffer: one chunk of {@link UncachedWriter}, which takes a 4 MiB write past the cache at
     * 1,316 MB/s where it took 1 MiB writes at 814 (one at a time, as the writer writes; two or four at
     * once gained nothing). Cut at the buffer's 1 MiB, each 1 MiB append was a write of its own: in
     * alternating runs (http-ab, both orders) up to 4 MiB took 1 MiB appends from 64 connections 8-68%
     * further memory-acked and 8-35% durable (three runs each), 256 KiB memory-acked ones 11% and 44%
     * (two) and 64 KiB durable ones 15%, while 256 KiB memory-acked and durable and 1 MiB durable from 8
     * connections stayed level.
     */
    static final int IN_PLACE_WRITE_BYTES = UncachedWriter.CHUNK_BYTES;

    private final int writeBytes;
    private ByteBuffer buffer;
    /** What is staged before the buffer's bytes from {@link #bufferFrom}, in write order. */
    private final List<ByteBuffer> parts = new ArrayList<>();
    private int bufferFrom;
    private long inPlaceBytes;

    /** @param writeBytes what a write of encoded records holds at most, and the buffer's first capacity */
    StagedWrite(int writeBytes) {
        this.writeBytes = writeBytes;
        buffer = ByteBuffer.allocateDirect(writeBytes);
    }

    /** Whether {@code payload} of {@code size} bytes is written from its pieces rather than copied. */
    static boolean writesInPlace(ByteBuffer[] payload, int size) {
        if (size < IN_PLACE_BYTES) {
            return false;
        }
        for (ByteBuffer piece : payload) {
            if (!piece.isDirect()) {
                return false;
            }
        }
        return true;
    }

    /** The bytes staged. */
    long bytes() {
        return inPlaceBytes + buffer.position();
    }

    /**
     * Whether {@code copied} more bytes to encode and {@code inPlace} more to write from where they lie go
     * into this write; a write that carries payloads in place may hold more than the buffer.
     */
    boolean fits(int copied, int inPlace) {
        long limit = inPlace > 0 || holdsInPlace() ? IN_PLACE_WRITE_BYTES : writeBytes;
        return buffer.remaining() >= copied && bytes() + copied + inPlace <= limit;
    }

    /** Whether a payload is staged {@link #addInPlace in place}: the write carries large payloads. */
    boolean holdsInPlace() {
        return inPlaceBytes > 0;
    }

    boolean isEmpty() {
        return bytes() == 0;
    }

    /**
     * Where records are encoded, with room for {@code bytes} more; when nothing is staged it is grown to
     * fit them if it must be (one append larger than any write).
     */
    ByteBuffer buffer(int bytes) {
        if (buffer.remaining() < bytes) {
            if (!isEmpty()) {
                throw new IllegalStateException("the write must be flushed before " + bytes + " bytes more are staged");
            }
            buffer = ByteBuffer.allocateDirect(bytes);
        }
        return buffer;
    }

    /** Stages {@code payload} after what the buffer holds, from where it lies; its pieces are left as they are. */
    void addInPlace(ByteBuffer[] payload) {
        cutBuffer();
        for (ByteBuffer piece : payload) {
            parts.add(piece.duplicate());
            inPlaceBytes += piece.remaining();
        }
    }

    /** What to write, in order; the buffer is not touched again until {@link #clear}. */
    ByteBuffer[] parts() {
        cutBuffer();
        return parts.toArray(ByteBuffer[]::new);
    }

    void clear() {
        parts.clear();
        buffer.clear();
        bufferFrom = 0;
        inPlaceBytes = 0;
    }

    private void cutBuffer() {
        if (buffer.position() > bufferFrom) {
            parts.add(buffer.duplicate().position(bufferFrom).limit(buffer.position()));
            bufferFrom = buffer.position();
        }
    }
}
