package afterme.format;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Cuts torn tails, first copying every byte it removes to a backup directory (as etcd's repair copies
 * to {@code .broken} before truncating). Used by the daemon at start-up and by {@code afterme recover}.
 * Stateless apart from the clock that names backups.
 */
public final class TailRepair {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final Path backupDir;
    private final Clock clock;
    private final Storage storage;

    public TailRepair(Path backupDir, Clock clock, Storage storage) {
        this.backupDir = backupDir;
        this.clock = clock;
        this.storage = storage;
    }

    /**
     * Saves {@code [keepBytes, size)} of the segment to the backup directory, then truncates the segment
     * to {@code keepBytes} and syncs it.
     *
     * @return the backup file
     */
    public Path cut(Path segment, long keepBytes) throws IOException {
        Path backup = backupFile(segment, keepBytes);
        try (FileChannel in = storage.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = in.size();
            try (FileChannel out = storage.open(backup, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long done = 0;
                while (done < size - keepBytes) {
                    done += in.transferTo(keepBytes + done, size - keepBytes - done, out);
                }
                out.force(true);
            }
            storage.syncDirectory(backupDir);
            // The backup is on disk before a single byte is removed.
            in.truncate(keepBytes);
            in.force(true);
        }
        return backup;
    }

    /** Moves a whole segment (a half-created one) to the backup directory. */
    public Path remove(Path segment) throws IOException {
        Path backup = backupFile(segment, 0);
        try (FileChannel in = FileChannel.open(segment, StandardOpenOption.READ);
             FileChannel out = storage.open(backup, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long size = in.size();
            for (long done = 0; done < size; ) {
                done += in.transferTo(done, size - done, out);
            }
            out.force(true);
        }
        storage.syncDirectory(backupDir);
        storage.delete(segment);
        storage.syncDirectory(segment.toAbsolutePath().getParent());
        return backup;
    }

    /** {@code <segment>.at-<offset>.<UTC time>.cut}: the name says which segment, which offset, and when. */
    private Path backupFile(Path segment, long offset) throws IOException {
        Directories.create(backupDir, "the bytes cut from " + segment.getFileName());
        String base = segment.getFileName() + ".at-" + offset + "." + STAMP.format(clock.instant());
        Path file = backupDir.resolve(base + ".cut");
        for (int n = 1; Files.exists(file); n++) {
            file = backupDir.resolve(base + "-" + n + ".cut");
        }
        return file;
    }
}
