package afterme.daemon.log;

import afterme.format.SegmentHeader;
import afterme.format.SegmentNames;
import afterme.format.SparseIndex;
import afterme.format.Storage;
import afterme.format.Trailer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The segment being appended to. Owned by the writer thread; not thread-safe. Its {@link #size} is the
 * end of the last whole record written: after a failed write the file is cut back to it, so no partial
 * record is ever left behind.
 */
final class ActiveSegment implements AutoCloseable {
    final Path file;
    final SegmentHeader header;
    private final FileChannel channel;
    private long size;
    private long recordCount;
    private final SparseIndex.Builder index;
    private final DropBehind dropBehind;

    private ActiveSegment(Path file, SegmentHeader header, FileChannel channel, long size, long recordCount,
                          SparseIndex.Builder index) {
        this.file = file;
        this.header = header;
        this.channel = channel;
        this.size = size;
        this.recordCount = recordCount;
        this.index = index;
        this.dropBehind = DropBehind.of(file);
    }

    /**
     * Creates a segment: header written and synced, then the directory synced, or a power loss could
     * leave the file without its directory entry.
     */
    static ActiveSegment create(Storage storage, Path dir, UUID logId, long firstSeq, byte[] prevChain)
            throws IOException {
        Path file = dir.resolve(SegmentNames.name(firstSeq));
        SegmentHeader header = SegmentHeader.create(logId, firstSeq, prevChain);
        FileChannel ch = storage.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            writeFully(ch, ByteBuffer.wrap(header.encode()), 0);
            ch.force(true);
            storage.syncDirectory(dir);
        } catch (IOException e) {
            ch.close();
            if (Files.exists(file)) {
                storage.delete(file);
            }
            throw e;
        }
        return new ActiveSegment(file, header, ch, SegmentHeader.LENGTH, 0, new SparseIndex.Builder());
    }

    /** Reopens a segment whose valid data ends at {@code size} (the caller scanned it). */
    static ActiveSegment reopen(Storage storage, Path file, SegmentHeader header, long size, long recordCount,
                                SparseIndex.Builder index) throws IOException {
        FileChannel ch = storage.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new ActiveSegment(file, header, ch, size, recordCount, index);
    }

    long size() {
        return size;
    }

    long recordCount() {
        return recordCount;
    }

    SparseIndex.Builder index() {
        return index;
    }

    void noteRecord(long seq, long epochNanos, long offset, int length) {
        index.frame(seq, epochNanos, offset, length);
        recordCount++;
    }

    /**
     * Writes the staged bytes after the last whole record. On failure the file is cut back so that
     * nothing partial stays, and the error is rethrown.
     */
    void append(ByteBuffer bytes) throws IOException {
        int n = bytes.remaining();
        try {
            writeFully(channel, bytes, size);
        } catch (IOException e) {
            try {
                cutBack();
            } catch (IOException cut) {
                CutBackFailed failure = new CutBackFailed(file, size, e);
                failure.addSuppressed(cut);
                throw failure;
            }
            throw e;
        }
        size += n;
    }

    /** A failed write whose partial bytes could not be cut away: the file must be repaired before appending. */
    static final class CutBackFailed extends IOException {
        CutBackFailed(Path file, long size, IOException cause) {
            super("writing to " + file + " failed and cutting it back to " + size + " bytes failed too", cause);
        }
    }

    /** Undoes records counted by {@link #noteRecord} whose write then failed. */
    void forgetRecords(long count) {
        recordCount -= count;
        index.dropFrom(size);
    }

    /**
     * fdatasync: the data and the size needed to read it back, not the file's times. {@code writtenSize}
     * is what the caller knows to be written; this may run off the writer thread, which owns {@link #size}.
     */
    void sync(long writtenSize) throws IOException {
        channel.force(false);
        dropBehind.synced(writtenSize);
    }

    /** Writes the trailer and syncs; afterwards the segment is never written again. */
    void seal(long lastSeq, byte[] chainHead) throws IOException {
        Trailer t = new Trailer(lastSeq, recordCount, chainHead, size);
        try {
            writeFully(channel, ByteBuffer.wrap(t.encode()), size);
            channel.force(true);
        } catch (IOException e) {
            cutBack();
            throw e;
        }
    }

    /** Removes a trailer written by {@link #seal}, making the segment appendable again. */
    void unseal() throws IOException {
        cutBack();
        channel.force(true);
    }

    /** Cuts the file back to the end of the last whole record. */
    void cutBack() throws IOException {
        channel.truncate(size);
    }

    void storeIndex() throws IOException {
        index.finish(size + Trailer.LENGTH).store(file);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
    }

    @Override
    public void close() throws IOException {
        dropBehind.close();
        channel.close();
    }
}
