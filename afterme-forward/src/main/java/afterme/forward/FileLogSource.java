package afterme.forward;

import afterme.format.LogCursor;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The log read straight from its files, with or without a daemon writing it: for {@code afterme forward}.
 * Every complete record may be read; before it is sent, its segment is fsynced through this process's own
 * descriptor (an fsync covers the file, whoever wrote it) and, the first time a segment is seen, the data
 * directory too. So a record reaches the broker only once it is on disk, even when the daemon acknowledged
 * it on {@code memory} and has not synced it yet. Not thread-safe: the forwarder's thread uses it.
 */
public final class FileLogSource implements LogSource {
    private final Path dir;
    private final Set<Path> entriesSynced = new HashSet<>();

    public FileLogSource(Path dir) {
        this.dir = dir;
    }

    @Override
    public UUID logId() throws IOException {
        List<Path> segments = Segments.list(dir);
        if (segments.isEmpty()) {
            throw new IOException("no afterme log in " + dir);
        }
        Path first = segments.get(0);
        try (FileChannel ch = FileChannel.open(first, StandardOpenOption.READ)) {
            return SegmentScanner.readHeader(ch, first.getFileName().toString()).logId();
        }
    }

    @Override
    public long readableSeq() {
        return Long.MAX_VALUE;
    }

    @Override
    public long lastSeq() throws IOException {
        return LogCursor.lastSeq(dir);
    }

    @Override
    public LogCursor cursor(long fromSeq) {
        return new LogCursor(dir, fromSeq, true);
    }

    @Override
    public void makeDurable(Set<Path> segments) throws IOException {
        boolean newEntry = false;
        for (Path segment : segments) {
            try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
                ch.force(false);
            }
            newEntry |= entriesSynced.add(segment);
        }
        if (newEntry) {
            Checkpoint.syncDirectory(dir);
        }
    }

    @Override
    public Path dataDir() {
        return dir;
    }
}
