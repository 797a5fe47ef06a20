package afterme.format;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A sliding read buffer over a segment file so that a sequential walk costs one large read per window,
 * not one per record. Not thread-safe.
 */
final class SegmentWindow {
    static final int DEFAULT_CAPACITY = 4 << 20;
    /** What a read after {@link #forget} asks for: a reader at the head of a log, where a fill begins. */
    static final int HEAD_READ = 64 << 10;

    private FileChannel channel;
    private final int capacity;
    private ByteBuffer buffer;
    private long base;
    private int filled;
    /** How much the next read asks for: the capacity, or less after {@link #forget}, doubling back up. */
    private int readSize;

    SegmentWindow(FileChannel channel, int capacity) {
        this.channel = channel;
        this.capacity = capacity;
        this.buffer = ByteBuffer.allocate(0);
        this.readSize = capacity;
    }

    /**
     * Makes {@code [pos, pos+want)} readable through {@link #buffer()} at {@link #index}, as far as the
     * file holds it (up to {@code fileSize}).
     *
     * @return how many bytes from {@code pos} are readable (may be less than {@code want} at end of file)
     */
    int load(long pos, int want, long fileSize) throws IOException {
        long inFile = Math.max(0, fileSize - pos);
        int needed = (int) Math.min(want, inFile);
        if (pos >= base && pos + needed <= base + filled) {
            return (int) Math.min(base + filled - pos, inFile);
        }
        int size = Math.max(readSize, needed);
        readSize = (int) Math.min(capacity, 2L * readSize);
        int toRead = (int) Math.min(size, inFile);
        if (buffer.capacity() < toRead) {
            // Sized by what the file holds, not by the capacity: a walk over thousands of small segments
            // would otherwise allocate (and zero) a full window for each. Doubling keeps a growing file
            // (tail -f) from reallocating on every read.
            buffer = ByteBuffer.allocate((int) Math.min(size, Math.max(toRead, 2L * buffer.capacity())));
        }
        buffer.clear().limit(toRead);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos + buffer.position());
            if (n < 0) {
                // The file shrank under us; report what we have, the caller classifies the end.
                if (buffer.position() < needed) {
                    throw new EOFException("segment shrank while reading: expected " + fileSize + " bytes, found "
                            + (pos + buffer.position()));
                }
                break;
            }
        }
        base = pos;
        filled = buffer.position();
        return filled;
    }

    /** True when every byte of {@code [from, fileSize)} is zero: the fill of a version-2 segment. */
    boolean zerosToEnd(long from, long fileSize) throws IOException {
        return zerosFrom(from, fileSize) == from;
    }

    /**
     * Where the zeros that run to the end of {@code [from, fileSize)} begin: {@code from} when all of it is
     * zero, {@code fileSize} when its last byte is not. Read from the end back, so that a fill that records
     * follow (damage, not a fill) is told at the first window read.
     */
    long zerosFrom(long from, long fileSize) throws IOException {
        for (long end = fileSize; end > from; ) {
            long q = Math.max(from, end - capacity);
            load(q, (int) (end - q), fileSize);
            int at = index(q);
            for (int i = (int) (end - q) - 1; i >= 0; i--) {
                if (buffer.get(at + i) != 0) {
                    return q + i + 1;
                }
            }
            end = q;
        }
        return from;
    }

    /**
     * Drops what was read: bytes of a version-2 segment's fill may since have been overwritten with
     * records, which a cached copy would hide. The reads that follow start small: a reader that met the
     * fill is at the head of the log and needs the few records written since, not the fill after them
     * (a subscriber woken for every group commit would otherwise read the whole fill each time).
     */
    void forget() {
        filled = 0;
        readSize = Math.min(capacity, HEAD_READ);
    }

    /** The same window over another file, keeping its buffer: a walk across segments allocates once. */
    SegmentWindow moveTo(FileChannel other) {
        channel = other;
        base = 0;
        filled = 0;
        return this;
    }

    ByteBuffer buffer() {
        return buffer;
    }

    int index(long pos) {
        return (int) (pos - base);
    }
}
