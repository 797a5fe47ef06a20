package afterme.daemon.log;

import afterme.command.CLibrary;
import com.sun.jna.Native;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.FileSystems;
import java.nio.file.Path;

/**
 * What the kernel is told about a segment's pages: start writing them to disk as soon as a whole
 * {@link #WRITEBACK_STEP_BYTES} of them is written, and let them leave the page cache once an fsync has
 * put them on disk and they lie more than {@link #KEEP_BYTES} behind the synced end.
 *
 * <p>Writeback ({@code sync_file_range(SYNC_FILE_RANGE_WRITE)}, which starts it and does not wait):
 * otherwise a page written goes to the disk only when the next fsync asks for it, so the disk idles while
 * the writer fills pages and the fsync then waits for all of them. Started early, most of them are on
 * their way or on disk when the fsync comes, and it waits for the rest and the device's cache flush. With
 * 1 MiB appends from 8 connections this took fsyncs from 2.4 to 1.8 ms and the daemon 6-7% further
 * (http-ab). RocksDB ({@code bytes_per_sync}) and PostgreSQL
 * ({@code wal_writer_flush_after}) do the same. Only whole pages are started: the last, partial one will
 * be written again with the next record, and a page under writeback can make that write wait for it.
 *
 * <p>Drop-behind ({@code posix_fadvise(POSIX_FADV_DONTNEED)}): a log writer fills the page cache with
 * pages it will not read again, and every page it writes into is one the kernel must first take from its
 * free memory. On a virtual machine a page the guest has not touched lately must also be backed by the
 * host first, which made the copy into it (the writer's {@code pwrite}) the limit of large appends: dd
 * wrote about 476 MB/s into such pages against 7-9 GB/s into pages freed a moment before (BENCHMARKS.md).
 * Dropped pages go back to the free lists warm, and the next writes reuse them. PostgreSQL advises the
 * same for its WAL. The last {@link #KEEP_BYTES} stay cached for the subscribers and tails that read near
 * the head. Only clean pages are dropped, and a later read brings them back from disk, so the advice can
 * cost a reader a disk read but never loses a byte.
 *
 * <p>Neither call changes what an fsync guarantees; both are given on Linux, on the default file system,
 * when the C library can be reached; elsewhere every call does nothing.
 *
 * <p>{@link #written} is called by the writer thread, which owns it. {@link #synced} is called by
 * whichever thread ran the fsync, the writer or the syncer: fsyncs never overlap and the writer settles
 * each before the next starts, so those calls are ordered and {@link #droppedTo} needs no lock. The
 * benchmark's disk probe makes both calls too, so that it measures the disk with the calls the engine
 * makes.
 */
public final class PageCacheAdvice implements AutoCloseable {
    private static final Logger LOG = System.getLogger(PageCacheAdvice.class.getName());
    /** What stays cached behind the synced end. */
    static final long KEEP_BYTES = 64L << 20;
    /** Pages are dropped only once this much more can be, so the system call stays rare. */
    static final long STEP_BYTES = 8L << 20;
    /** Writeback is started once this much more is written in whole pages. */
    static final long WRITEBACK_STEP_BYTES = 1L << 20;
    private static final long PAGE = 4096;
    private static final int O_RDONLY = 0;
    /** Not inherited by a process the JVM starts (Linux's value on x86-64 and arm64). */
    private static final int O_CLOEXEC = 0x80000;
    private static final int POSIX_FADV_DONTNEED = 4;
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    // On Linux, failing to bind costs large appends half their speed on some machines: say so, once.
    private static final boolean LINKED = CLibrary.bind(LibC.class, e -> LOG.log(Level.WARNING, "cannot reach"
            + " posix_fadvise or sync_file_range through JNA (" + e + "); segments' pages will wait for each fsync"
            + " to be written and stay in the page cache after it"));

    /** A descriptor of our own for the advice, or -1 when none is given. */
    private final int fd;
    private long droppedTo;
    private long writebackTo;

    private PageCacheAdvice(int fd, long writtenSize) {
        this.fd = fd;
        this.writebackTo = writtenSize - writtenSize % PAGE;
    }

    /** For a file whose first {@code writtenSize} bytes are already written. */
    public static PageCacheAdvice of(Path file, long writtenSize) {
        if (!LINKED || file.getFileSystem() != FileSystems.getDefault()) {
            return new PageCacheAdvice(-1, writtenSize);
        }
        // The page cache belongs to the file, not to a descriptor, so a second read-only one can advise
        // on the pages the writer's FileChannel wrote.
        int fd = LibC.open(file.toAbsolutePath().toString(), O_RDONLY | O_CLOEXEC);
        return new PageCacheAdvice(Math.max(-1, fd), writtenSize);
    }

    /** After a write that left the file written up to {@code writtenSize}. */
    public void written(long writtenSize) {
        long to = writtenSize - writtenSize % PAGE;
        if (fd < 0 || to - writebackTo < WRITEBACK_STEP_BYTES) {
            return;
        }
        if (LibC.sync_file_range(fd, writebackTo, to - writebackTo, SYNC_FILE_RANGE_WRITE) != 0) {
            LOG.log(Level.DEBUG, "sync_file_range(WRITE) failed with errno {0}", Native.getLastError());
        }
        writebackTo = to;
    }

    /** After an fsync that made the file durable up to {@code syncedSize}. */
    public void synced(long syncedSize) {
        long to = syncedSize - KEEP_BYTES;
        if (fd < 0 || to - droppedTo < STEP_BYTES) {
            return;
        }
        int error = LibC.posix_fadvise(fd, droppedTo, to - droppedTo, POSIX_FADV_DONTNEED);
        if (error != 0) {
            LOG.log(Level.DEBUG, "posix_fadvise(DONTNEED) failed with errno {0}", error);
        }
        droppedTo = to;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            LibC.close(fd);
        }
    }

    /** The calls of the C library that we need, bound directly (JNA direct mapping). */
    private static final class LibC {
        static native int open(String path, int flags);

        static native int close(int fd);

        static native int posix_fadvise(int fd, long offset, long length, int advice);

        static native int sync_file_range(int fd, long offset, long length, int flags);

        private LibC() {
        }
    }
}
