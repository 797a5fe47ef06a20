package afterme.daemon.log;

import afterme.format.SegmentHeader;
import afterme.format.SegmentNames;
import afterme.format.SparseIndex;
import afterme.format.Storage;
import afterme.format.Trailer;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * The segment being appended to. Owned by the writer thread; not thread-safe. Its {@link #size} is the
 * end of the last whole record written: after a failed write the file is cut back to it, so no partial
 * record is ever left behind.
 *
 * <p>Small writes that a client waits durable for go into a fill of zeros written ahead of them
 * (FORMAT.md, "Fill"). An fdatasync after a write that grew the file must also write the inode, for its
 * size: on the test machine's disk that is one more device round trip of the three an fsync of a small
 * append costs. Writing into zeros already on disk leaves the size alone. Large writes skip the fill: it
 * would double the bytes they write, and their fsyncs are few for the bytes. So do writes nobody waits
 * durable for: their fsyncs run in the background, where a shorter one gains nobody anything.
 *
 * <p>What is small depends on who waits. A client writing alone waits out the whole round trip the fill
 * saves, and gains it up to {@link #SMALL_WRITE_ALONE}. When many appends share each fsync, the round trip
 * saved is shared among them while the zeros still cost their bytes, on a machine their load already keeps
 * busy, and the fill pays only up to {@link #SMALL_WRITE_SHARED}.
 */
final class ActiveSegment implements AutoCloseable {
    /** How far ahead one fill reaches. */
    static final int FILL_BYTES = 1 << 20;
    /**
     * Writes smaller than this, from a client writing alone, extend the fill when they come near its end:
     * about what this disk writes in the time an inode write takes, so that a larger write loses more to
     * the zeros than it gains. One connection of 64 KiB durable appends went 11% slower without the fill
     * (http-ab, 0 of 12 rounds faster).
     */
    static final int SMALL_WRITE_ALONE = 256 << 10;
    /**
     * The same when many appends share each fsync. At 64 connections, durable appends of 16 KiB and 4 KiB
     * (written in groups of 32 KiB and more) went 5% and 3% further with this bound than with the one for a
     * client alone (http-ab, faster in 12 and 9 rounds of 12), 16 KiB from 8 connections 4%, and 1 KiB and
     * 100 B stayed level; a bound of 8 KiB gained nothing more.
     */
    static final int SMALL_WRITE_SHARED = 32 << 10;
    private static final Logger LOG = System.getLogger(ActiveSegment.class.getName());
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(FILL_BYTES).asReadOnlyBuffer();

    private final Storage storage;
    final Path file;
    final SegmentHeader header;
    private final FileChannel channel;
    private long size;
    /** The file's size when a fill follows the records, else {@link #size} or less. */
    private long filledTo;
    /** No fill reaches past this: the largest the segment may be before its trailer. */
    private final long fillLimit;
    private long recordCount;
    private final SparseIndex.Builder index;
    private final PageCacheAdvice pages;
    /** The file opened for {@link UncachedWriter}'s writes, once one is made; null where it cannot be. */
    private FileChannel direct;
    private boolean directOpened;
    /** The file's identity as opened (device and inode), or null where the file system gives none. */
    private final Object fileKey;

    private ActiveSegment(Storage storage, Path file, SegmentHeader header, FileChannel channel, long size,
                          long filledTo, long fillLimit, long recordCount, SparseIndex.Builder index) {
        this.storage = storage;
        this.file = file;
        this.header = header;
        this.channel = channel;
        this.size = size;
        this.filledTo = filledTo;
        this.fillLimit = header.mayHaveFill() ? fillLimit : 0;
        this.recordCount = recordCount;
        this.index = index;
        this.pages = PageCacheAdvice.of(file, size);
        this.fileKey = fileKey(file);
    }

    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Creates a segment: header written and synced, then the directory synced, or a power loss could
     * leave the file without its directory entry.
     */
    static ActiveSegment create(Storage storage, Path dir, UUID logId, long firstSeq, byte[] prevChain,
                                long fillLimit) throws IOException {
        Path file = dir.resolve(SegmentNames.name(firstSeq));
        SegmentHeader header = SegmentHeader.create(logId, firstSeq, prevChain);
        FileChannel ch = storage.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            writeFully(ch, ByteBuffer.wrap(header.encode()), 0);
            ch.force(true);
            storage.syncDirectory(dir);
        } catch (IOException e) {
            IOException failure = DiskFull.orAsIs(storage, file, SegmentHeader.LENGTH, e);
            ch.close();
            if (Files.exists(file)) {
                storage.delete(file);
            }
            throw failure;
        }
        return new ActiveSegment(storage, file, header, ch, SegmentHeader.LENGTH, SegmentHeader.LENGTH, fillLimit, 0,
                new SparseIndex.Builder());
    }

    /**
     * Reopens a segment whose records end at {@code size} and whose fill, if any, at {@code fileSize}
     * (the caller scanned it).
     */
    static ActiveSegment reopen(Storage storage, Path file, SegmentHeader header, long size, long fileSize,
                                long fillLimit, long recordCount, SparseIndex.Builder index) throws IOException {
        FileChannel ch = storage.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        // The log a process that was killed left may still be in the page cache only: fsynced before the
        // writer calls all of it durable, which the sync marks of its records will then say.
        try {
            ch.force(false);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new ActiveSegment(storage, file, header, ch, size, fileSize, fillLimit, recordCount, index);
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

    void noteRecord(long seq, long epochNanos, long offset, int length, boolean batchGoesOn) {
        index.frame(seq, epochNanos, offset, length, batchGoesOn);
        recordCount++;
    }

    /**
     * Writes the staged bytes after the last whole record. On failure the file is cut back so that
     * nothing partial stays, and the error is rethrown.
     *
     * @param fillBelow a write smaller than this keeps a fill ahead for the writes to come: 0 when nobody
     *                  waits for these bytes' fsync, else {@link #SMALL_WRITE_ALONE} or
     *                  {@link #SMALL_WRITE_SHARED}
     * @param uncached  writes the bytes past the page cache, where the file system can and the zeros after
     *                  them stay within the fill's limit; null to write them through it
     */
    void append(ByteBuffer[] parts, int fillBelow, UncachedWriter uncached) throws IOException {
        long n = 0;
        for (ByteBuffer part : parts) {
            n += part.remaining();
        }
        boolean pastTheCache = false;
        try {
            pastTheCache = uncached != null && uncached.blockEnd(size + n) <= fillLimit && directChannel() != null;
            if (pastTheCache) {
                filledTo = Math.max(filledTo, uncached.write(direct, channel, parts, size));
            } else if (parts.length == 1) {
                writeFully(channel, parts[0], size);
            } else {
                writeFully(channel, parts, size);
            }
        } catch (IOException e) {
            // Told before the cut gives back the room the partial write took.
            IOException failure = DiskFull.orAsIs(storage, file, n, e);
            if (pastTheCache && !(failure instanceof DiskFull)) {
                stopWritingPastTheCache(e);
            }
            try {
                cutBack();
            } catch (IOException cut) {
                CutBackFailed failed = new CutBackFailed(file, size, failure);
                failed.addSuppressed(cut);
                throw failed;
            }
            throw failure;
        }
        size += n;
        pages.written(size);
        if (n < fillBelow && filledTo - size < fillBelow) {
            fill();
        }
    }

    /**
     * A direct write that fails leaves the segment writing through the cache: a file system may open a
     * file for {@code O_DIRECT} and then refuse its writes, and a disk that errs is no better served by
     * them. The append fails like any other; the next ones go through the cache. A full disk is no such
     * failure: it refuses writes through the cache alike, and direct ones work again once there is room.
     */
    private void stopWritingPastTheCache(IOException e) {
        LOG.log(Level.WARNING, "a write past the page cache to " + file + " at " + size + " failed (" + e
                + "); the segment is written through the cache from now on");
        FileChannel d = direct;
        direct = null;
        try {
            d.close();
        } catch (IOException close) {
            e.addSuppressed(close);
        }
    }

    private FileChannel directChannel() throws IOException {
        if (!directOpened) {
            directOpened = true;
            direct = storage.openDirect(file);
        }
        return direct;
    }

    /**
     * Writes zeros after the records, up to {@link #FILL_BYTES} ahead. They reach the disk with the next
     * fsync, which writes the new size once for the many small writes that follow. A fill that fails
     * (a full disk) costs nothing but its speed: whatever part of it was written is zeros, still a fill.
     */
    private void fill() {
        long from = Math.max(size, filledTo);
        long to = Math.min(size + FILL_BYTES, fillLimit);
        if (to <= from) {
            return;
        }
        try {
            writeFully(channel, ZEROS.duplicate().limit((int) (to - from)), from);
            filledTo = to;
        } catch (IOException e) {
            filledTo = size;
        }
    }

    /**
     * A write that failed because its file system has no room for it, told by asking the file system how
     * much room is left rather than by the error's text (which the operating system words as it likes).
     */
    static final class DiskFull extends IOException {
        DiskFull(Path file, long usable, long wanted, IOException cause) {
            super((cause.getMessage() != null ? cause.getMessage() : "no room") + " (" + file.getParent() + " has "
                    + usable + " bytes left, the write needed " + wanted + ")", cause);
        }

        /** {@code e} as a {@link DiskFull} when the file system of {@code file} has less than {@code wanted} bytes left. */
        static IOException orAsIs(Storage storage, Path file, long wanted, IOException e) {
            try {
                long usable = storage.usableSpace(file.toAbsolutePath().getParent());
                return usable < wanted ? new DiskFull(file, usable, wanted, e) : e;
            } catch (IOException | RuntimeException unknown) {
                return e;
            }
        }
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
     * With {@code checkPath} it also checks that the segment's path still names this file.
     *
     * @throws Gone when it does not
     */
    void sync(long writtenSize, boolean checkPath) throws IOException {
        channel.force(false);
        if (checkPath) {
            checkPath();
        }
        pages.synced(writtenSize);
    }

    /**
     * An fsync of a file whose directory entry is gone succeeds, and a restart would never see what it
     * synced: acks for it would be acks for records no one can find.
     */
    private void checkPath() throws IOException {
        Object key;
        try {
            key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            throw new Gone(file);
        }
        if (fileKey != null && !fileKey.equals(key)) {
            throw new Gone(file);
        }
    }

    /** The segment's directory entry no longer names the file the writer writes. */
    static final class Gone extends IOException {
        Gone(Path file) {
            super(file + " is no longer in its directory (the data directory was deleted, moved or replaced while "
                    + "afterme ran): a restart would not find the records written to it. Appends stop until the "
                    + "directory is back as it was; else stop the daemon and restore it from a copy");
        }
    }

    /**
     * Cuts off the fill, writes the trailer and syncs; afterwards the segment is never written again. The
     * fill goes first: a crash in between leaves an unsealed segment, never zeros before a trailer.
     */
    void seal(long lastSeq, byte[] chainHead) throws IOException {
        Trailer t = new Trailer(lastSeq, recordCount, chainHead, size);
        try {
            cutBack();
            writeFully(channel, ByteBuffer.wrap(t.encode()), size);
            channel.force(true);
        } catch (IOException e) {
            IOException failure = DiskFull.orAsIs(storage, file, Trailer.LENGTH, e);
            cutBack();
            throw failure;
        }
    }

    /** Removes a trailer written by {@link #seal}, making the segment appendable again. */
    void unseal() throws IOException {
        cutBack();
        channel.force(true);
    }

    /** Cuts the file back to the end of the last whole record, its fill included. */
    void cutBack() throws IOException {
        channel.truncate(size);
        filledTo = size;
    }

    void storeIndex() {
        IndexFiles.store(index.finish(size + Trailer.LENGTH), file);
    }

    /**
     * One gathering write from the channel's position, which nothing else of the segment uses: every other
     * write names its offset, which costs no extra system call to set.
     */
    private static void writeFully(FileChannel ch, ByteBuffer[] parts, long at) throws IOException {
        ch.position(at);
        int first = 0;
        while (first < parts.length) {
            ch.write(parts, first, parts.length - first);
            while (first < parts.length && !parts[first].hasRemaining()) {
                first++;
            }
        }
    }

    /** Writes all of {@code b} at {@code at}, in as many calls as the channel takes. */
    static void writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
    }

    @Override
    public void close() throws IOException {
        pages.close();
        if (direct != null) {
            direct.close();
        }
        channel.close();
    }
}
