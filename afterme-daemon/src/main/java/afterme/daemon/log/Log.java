package afterme.daemon.log;

import afterme.format.DataDirLock;
import afterme.format.LogCursor;
import afterme.format.LogRecord;
import afterme.format.SegmentScanner;
import afterme.format.Segments;
import afterme.format.SparseIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An open log: the entry point of the engine. Appends go to the single {@link LogWriter} thread through
 * a bounded queue; reads go straight to the files. Thread-safe.
 */
public final class Log implements AutoCloseable {
    private final LogConfig config;
    private final DataDirLock lock;
    private final BlockingQueue<Append> queue;
    private final LogWriter writer;
    private final Thread thread;
    private final WriterStats stats = new WriterStats();
    private final List<LogListener> listeners = new CopyOnWriteArrayList<>();
    private final HeadFollowers followers = new HeadFollowers();
    private final List<Path> repairs;
    /** The directory held no log: this open created one. */
    private final boolean created;
    private final Map<Path, SparseIndex> sealedIndexes = new ConcurrentHashMap<>();
    private volatile boolean closing;

    private Log(LogConfig config, DataDirLock lock, LogState state, List<Path> repairs, boolean created) {
        this.config = config;
        this.lock = lock;
        this.repairs = List.copyOf(repairs);
        this.created = created;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.writer = new LogWriter(config, state, queue, stats, listeners, followers);
        this.thread = new Thread(writer, "afterme-writer");
        thread.start();
    }

    /**
     * Creates the directory if missing, locks it, checks and repairs its tail, and starts the writer.
     *
     * @throws DataDirLock.LockedException when another process holds the directory
     * @throws afterme.format.LogFormatException when the log is damaged beyond a torn tail
     */
    public static Log open(LogConfig config) throws IOException {
        Files.createDirectories(config.dataDir());
        DataDirLock lock = DataDirLock.acquire(config.dataDir());
        try {
            LogOpener opener = new LogOpener(config);
            LogState state = opener.open();
            return new Log(config, lock, state, opener.repairs(), opener.created());
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Hands an append to the writer, blocking while the queue is full. The append's futures complete
     * (or fail with {@link AppendException}) on the writer thread.
     */
    public Append submit(Append append) {
        if (closing || writer.failed()) {
            append.fail(new AppendException(AppendException.Reason.UNAVAILABLE,
                    closing ? "the log is closing" : LogWriter.RECOVERING, -1, null));
            return append;
        }
        try {
            queue.put(append);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            append.fail(new AppendException(AppendException.Reason.UNAVAILABLE, "interrupted", -1, e));
        }
        // A writer that stopped on an unexpected error between the check above and the put refused what was
        // queued when it stopped, and takes nothing more: this append would wait for ever.
        if (writer.failed() && queue.remove(append)) {
            append.fail(new AppendException(AppendException.Reason.UNAVAILABLE, LogWriter.RECOVERING, -1, null));
        }
        return append;
    }

    public void addListener(LogListener listener) {
        listeners.add(listener);
    }

    /**
     * A reader in this process follows the head from now until the handle is closed: large payloads are
     * then written through the page cache, where it will read them ({@link HeadFollowers}).
     */
    public HeadFollowers.Following follow() {
        return followers.follow();
    }

    /** How many readers follow the head ({@link #follow}). */
    public int followers() {
        return followers.count();
    }

    public UUID logId() {
        return writer.logId();
    }

    /** The last seq written to a segment file (the memory ack). */
    public long lastSeq() {
        return writer.writtenSeq();
    }

    public long durableSeq() {
        return writer.durableSeq();
    }

    public byte[] chainHead() {
        return writer.chainHead().clone();
    }

    /** False while appends are refused (closing, or recovering from an I/O failure). */
    public boolean writable() {
        return !closing && !writer.failed() && thread.isAlive();
    }

    public Path dataDir() {
        return config.dataDir();
    }

    public WriterStats stats() {
        return stats;
    }

    /** Backup files written when opening repaired a torn tail. */
    /** True when opening created a new log (the directory held none). */
    public boolean created() {
        return created;
    }

    /** How many segment files the log has now. */
    public int segmentCount() throws IOException {
        return Segments.list(config.dataDir()).size();
    }

    public List<Path> repairs() {
        return repairs;
    }

    public List<Path> segments() throws IOException {
        return Segments.list(config.dataDir());
    }

    /** A segment's bytes: its file's size, or for the active segment the end of its records, not its fill. */
    public long bytes(Path segment) throws IOException {
        long active = writer.activeBytes(segment);
        return active >= 0 ? active : Files.size(segment);
    }

    /** A cursor over the log from {@code fromSeq}, checking every record it returns (CRC, chain, SHA-256). */
    public LogCursor cursor(long fromSeq) {
        return new LogCursor(config.dataDir(), fromSeq, true, this::indexOf);
    }

    /** The record with this seq, or null when it is not (yet) in the log. */
    public LogRecord read(long seq) throws IOException {
        if (seq < 1 || seq > lastSeq()) {
            return null;
        }
        try (LogCursor c = cursor(seq)) {
            LogRecord r = c.next();
            return r != null && r.seq() == seq ? r : null;
        }
    }

    /**
     * The active segment's index comes from the writer; a sealed segment's is read once and kept (a sealed
     * segment never changes), or, when missing or stale, rebuilt from the segment and stored again.
     */
    private SparseIndex indexOf(Path segment) throws IOException {
        SparseIndex live = writer.activeIndex(segment);
        if (live != null) {
            return live;
        }
        SparseIndex cached = sealedIndexes.get(segment);
        if (cached != null) {
            return cached;
        }
        boolean sealed = SegmentScanner.readTrailerOf(segment) != null;
        SparseIndex index = SparseIndex.load(segment);
        if (index == null) {
            index = SparseIndex.build(segment);
            if (sealed) {
                IndexFiles.store(index, segment);
            }
        }
        if (sealed) {
            sealedIndexes.put(segment, index);
        }
        return index;
    }

    /** Stops accepting appends, lets the writer finish and fsync what it accepted, and unlocks. */
    @Override
    public void close() throws IOException {
        closing = true;
        writer.stop();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        AppendException closed = new AppendException(AppendException.Reason.UNAVAILABLE, "the log is closed", -1, null);
        for (Append a = queue.poll(); a != null; a = queue.poll()) {
            a.fail(closed);
        }
        lock.close();
    }

}
