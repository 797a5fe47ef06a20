package afterme.format;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Every call by which afterme changes files: open for writing, directory sync, delete. Production uses
 * {@link #DEFAULT}; tests pass one that injects I/O errors, full disks or power loss at each call.
 */
public interface Storage {
    FileChannel open(Path file, OpenOption... options) throws IOException;

    /**
     * Opens {@code file} for writes that bypass the page cache ({@code O_DIRECT}), or returns null where
     * its file system cannot take them: then the caller writes through the cache.
     */
    default FileChannel openDirect(Path file) throws IOException {
        return null;
    }

    /** fsyncs a directory, so that a file created, renamed or removed in it survives power loss. */
    void syncDirectory(Path dir) throws IOException;

    void delete(Path file) throws IOException;

    /** Bytes this process may still write to the file system that holds {@code dir}: how a full disk is told. */
    default long usableSpace(Path dir) throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /** The operating system's files. */
    Storage DEFAULT = new Storage() {
        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            return FileChannel.open(file, options);
        }

        @Override
        public FileChannel openDirect(Path file) {
            if (file.getFileSystem() != FileSystems.getDefault()) {
                return null;
            }
            try {
                return FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
            } catch (IOException | UnsupportedOperationException e) {
                // tmpfs, for one, refuses O_DIRECT (EINVAL): what it cannot take goes through the cache.
                return null;
            }
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            // Only the default file system can open a directory to sync it; in-memory ones have nothing to sync.
            if (dir.getFileSystem() != FileSystems.getDefault()) {
                return;
            }
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }

        @Override
        public void delete(Path file) throws IOException {
            Files.delete(file);
        }
    };
}
