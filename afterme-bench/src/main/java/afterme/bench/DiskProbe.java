package afterme.bench;

import afterme.daemon.log.PageCacheAdvice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Measures what the disk under a directory can do, with the same calls the engine makes
 * ({@code FileChannel.write} + {@code force(false)} on a growing file, and the engine's
 * {@link PageCacheAdvice}), so that engine figures can be given as a ratio of the machine's own limit
 * measured in the same run. Without the advice to drop pages behind, this figure swung by 2x between
 * runs with how many warm free pages the kernel happened to have (measured with the HTTP benchmark).
 */
final class DiskProbe {
    /**
     * The disk's write bandwidth, measured two ways: sequential appends of 1 MiB and of 8 MiB, each
     * followed by fdatasync. The first is what one appender of 1 MiB records waiting durable can get; the
     * second amortises each fsync's fixed cost over more bytes, as the daemon's group commit does under
     * load, and is the disk's bandwidth that large appends are measured against.
     */
    record Bandwidth(double oneMiBMBps, double eightMiBMBps) {
        static Bandwidth measure(Path dir, long totalBytes) throws IOException {
            return new Bandwidth(appendSyncMBps(dir, totalBytes, 1 << 20), appendSyncMBps(dir, totalBytes, 8 << 20));
        }

        double best() {
            return Math.max(oneMiBMBps, eightMiBMBps);
        }

        @Override
        public String toString() {
            return String.format("1 MiB append+fdatasync %.0f MB/s, 8 MiB append+fdatasync %.0f MB/s (the disk's"
                    + " bandwidth below: %.0f MB/s)", oneMiBMBps, eightMiBMBps, best());
        }
    }

    /** Sequential appends of {@code chunkBytes}, each followed by fdatasync. */
    private static double appendSyncMBps(Path dir, long totalBytes, int chunkBytes) throws IOException {
        Path file = dir.resolve("disk-probe.bin");
        ByteBuffer chunk = ByteBuffer.allocateDirect(chunkBytes);
        fill(chunk);
        long start = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             PageCacheAdvice pages = PageCacheAdvice.of(file, 0)) {
            for (long done = 0; done < totalBytes; done += chunk.capacity()) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    ch.write(chunk);
                }
                pages.written(done + chunk.capacity());
                ch.force(false);
                pages.synced(done + chunk.capacity());
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.delete(file);
        return totalBytes / seconds / 1e6;
    }

    /** fdatasync latency after a 4 KiB append to a growing file, in microseconds: {p50, p99}. */
    static double[] syncLatencyMicros(Path dir, int samples) throws IOException {
        Path file = dir.resolve("disk-probe-sync.bin");
        ByteBuffer block = ByteBuffer.allocateDirect(4096);
        fill(block);
        long[] micros = new long[samples];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int i = 0; i < samples; i++) {
                block.clear();
                long t = System.nanoTime();
                while (block.hasRemaining()) {
                    ch.write(block);
                }
                ch.force(false);
                micros[i] = (System.nanoTime() - t) / 1000;
            }
        }
        Files.delete(file);
        Arrays.sort(micros);
        return new double[] {micros[samples / 2], micros[(int) (samples * 0.99)]};
    }

    private static void fill(ByteBuffer b) {
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) (i * 31 + 7));
        }
    }

    private DiskProbe() {
    }
}
