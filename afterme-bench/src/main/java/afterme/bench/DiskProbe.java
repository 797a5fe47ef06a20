package afterme.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Measures what the disk under a directory can do, with the same calls the engine makes
 * ({@code FileChannel.write} + {@code force(false)} on a growing file), so that engine figures can be
 * given as a ratio of the machine's own limit measured in the same run.
 */
final class DiskProbe {
    /** Sequential 1 MiB appends, each followed by fdatasync: the ceiling for durable large appends. */
    static double appendSyncMBps(Path dir, long totalBytes) throws IOException {
        Path file = dir.resolve("disk-probe.bin");
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        fill(chunk);
        long start = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long done = 0; done < totalBytes; done += chunk.capacity()) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    ch.write(chunk);
                }
                ch.force(false);
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
