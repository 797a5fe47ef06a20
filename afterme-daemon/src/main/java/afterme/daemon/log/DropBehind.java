package afterme.daemon.log;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.FileSystems;
import java.nio.file.Path;

/**
 * Lets the page cache drop a segment's pages once an fsync has put them on disk and they lie more than
 * {@link #KEEP_BYTES} behind the synced end ({@code posix_fadvise(POSIX_FADV_DONTNEED)}).
 *
 * <p>Why: a log writer fills the page cache with pages it will not read again, and every page it writes
 * into is one the kernel must first take from its free memory. On a virtual machine a page the guest has
 * not touched lately must also be backed by the host first, which made the copy into it (the writer's
 * {@code pwrite}) the limit of large appends: dd wrote about 476 MB/s into such pages against 7-9 GB/s
 * into pages freed a moment before (BENCHMARKS.md). Dropped pages go back to the free lists warm, and
 * the next writes reuse them.
 * PostgreSQL advises the same for its WAL. The last {@link #KEEP_BYTES} stay cached for the subscribers
 * and tails that read near the head.
 *
 * <p>Only clean pages are dropped, and a later read brings them back from disk, so the advice can cost
 * a reader a disk read but never loses a byte. It is given on Linux, on the default file system, when
 * the C library can be reached; elsewhere every call does nothing.
 *
 * <p>Called by whichever thread ran the fsync, the writer or the syncer: fsyncs never overlap and the
 * writer settles each before the next starts, so the calls are ordered and {@link #droppedTo} needs no lock.
 * The benchmark's disk probe uses it too, so that it measures the disk with the calls the engine makes.
 */
public final class DropBehind implements AutoCloseable {
    private static final Logger LOG = System.getLogger(DropBehind.class.getName());
    /** What stays cached behind the synced end. */
    static final long KEEP_BYTES = 64L << 20;
    /** The advice is given only once this much more can be dropped, so the system call stays rare. */
    static final long STEP_BYTES = 8L << 20;
    private static final int O_RDONLY = 0;
    /** Not inherited by a process the JVM starts (Linux's value on x86-64 and arm64). */
    private static final int O_CLOEXEC = 0x80000;
    private static final int POSIX_FADV_DONTNEED = 4;
    private static final boolean LINKED = LibC.link();

    /** A descriptor of our own for the advice, or -1 when none is given. */
    private final int fd;
    private long droppedTo;

    private DropBehind(int fd) {
        this.fd = fd;
    }

    public static DropBehind of(Path file) {
        if (!LINKED || file.getFileSystem() != FileSystems.getDefault()) {
            return new DropBehind(-1);
        }
        // The page cache belongs to the file, not to a descriptor, so a second read-only one can advise
        // on the pages the writer's FileChannel wrote.
        return new DropBehind(Math.max(-1, LibC.open(file.toAbsolutePath().toString(), O_RDONLY | O_CLOEXEC)));
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

    /** The three calls of the C library that we need, bound directly (JNA direct mapping). */
    private static final class LibC {
        static native int open(String path, int flags);

        static native int close(int fd);

        static native int posix_fadvise(int fd, long offset, long length, int advice);

        static boolean link() {
            if (!Platform.isLinux()) {
                return false;
            }
            try {
                Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
                return true;
            } catch (LinkageError | RuntimeException e) {
                // On Linux this costs large appends half their speed on some machines: say so, once.
                LOG.log(Level.WARNING, "cannot reach posix_fadvise through JNA (" + e
                        + "); segments' pages will stay in the page cache after they are synced");
                return false;
            }
        }

        private LibC() {
        }
    }
}
