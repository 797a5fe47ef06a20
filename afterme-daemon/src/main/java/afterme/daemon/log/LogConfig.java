package afterme.daemon.log;

import afterme.format.Storage;
import afterme.format.Trailer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;

/**
 * Everything the log engine is told from outside; no static knobs, so tests pass their own.
 *
 * @param segmentSizeBytes  a new segment starts when the active one would pass this size
 * @param flushInterval     longest time an unsynced write waits for its fsync when no one waits durable
 * @param flushBytes        unsynced bytes that trigger an fsync
 * @param dedupeWindow      how many of the last records' idempotency keys are remembered
 * @param queueCapacity     appends waiting for the writer before callers block (backpressure)
 * @param clock             the time records get
 * @param ticker            the monotonic clock of flush deadlines, recovery attempts and fsync timings
 * @param storage           how files are changed (tests inject faults here)
 */
public record LogConfig(Path dataDir, long segmentSizeBytes, Duration flushInterval, long flushBytes,
                        int dedupeWindow, int queueCapacity, Clock clock, Ticker ticker, ZoneId zone,
                        Storage storage) {
    public static final long DEFAULT_SEGMENT_SIZE = 1L << 30;
    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(10);
    public static final long DEFAULT_FLUSH_BYTES = 1L << 20;
    public static final int DEFAULT_DEDUPE_WINDOW = 100_000;
    public static final int DEFAULT_QUEUE_CAPACITY = 16_384;

    public static LogConfig defaults(Path dataDir) {
        return new LogConfig(dataDir, DEFAULT_SEGMENT_SIZE, DEFAULT_FLUSH_INTERVAL, DEFAULT_FLUSH_BYTES,
                DEFAULT_DEDUPE_WINDOW, DEFAULT_QUEUE_CAPACITY, Clock.systemUTC(), Ticker.SYSTEM, ZoneId.systemDefault(),
                Storage.DEFAULT);
    }

    /** A fill ends where the segment's records must end, so that it never pushes a segment past its size. */
    long fillLimit() {
        return segmentSizeBytes - Trailer.LENGTH;
    }

    public LogConfig withSegmentSize(long bytes) {
        return new LogConfig(dataDir, bytes, flushInterval, flushBytes, dedupeWindow, queueCapacity, clock, ticker, zone,
                storage);
    }

    public LogConfig withFlush(Duration interval, long bytes) {
        return new LogConfig(dataDir, segmentSizeBytes, interval, bytes, dedupeWindow, queueCapacity, clock, ticker, zone,
                storage);
    }

    public LogConfig withDedupeWindow(int records) {
        return new LogConfig(dataDir, segmentSizeBytes, flushInterval, flushBytes, records, queueCapacity, clock, ticker,
                zone, storage);
    }

    public LogConfig withStorage(Storage s) {
        return new LogConfig(dataDir, segmentSizeBytes, flushInterval, flushBytes, dedupeWindow, queueCapacity, clock, ticker, zone, s);
    }
}
