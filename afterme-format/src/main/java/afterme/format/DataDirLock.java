package afterme.format;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The exclusive lock on a data directory ({@code DIR/LOCK}): one writer per log, and no {@code recover}
 * while a daemon runs. The OS drops it when the process dies, so a kill -9 never leaves a stale lock.
 */
public final class DataDirLock implements AutoCloseable {
    public static final String FILE = "LOCK";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock or throws {@link LockedException} when another process (or log) holds it. */
    public static DataDirLock acquire(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            throw new LockedException(file);
        }
        return new DataDirLock(ch, lock);
    }

    /** Unlocks; a second call does nothing, as Closeable asks. */
    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) {
            return;
        }
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }

    /** Another process holds the data directory. */
    public static final class LockedException extends IOException {
        public LockedException(Path file) {
            super(file + " is locked by another afterme process (a running 'afterme serve' or 'afterme recover');"
                    + " stop it first (SIGTERM stops a daemon cleanly), or give another data directory with -d DIR");
        }
    }
}
