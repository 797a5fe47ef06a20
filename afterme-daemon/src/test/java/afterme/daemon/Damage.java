package afterme.daemon;

import afterme.format.SegmentScanner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Damage done to a log's files under a running daemon, as a bad disk or a stray write would. */
public final class Damage {
    private Damage() {
    }

    /**
     * Flips one bit in the middle of the {@code k}-th record (from 0) of {@code segment}, so that its CRC32C
     * fails; returns the record's offset.
     */
    public static long flipInRecord(Path segment, int k) throws IOException {
        List<long[]> frames = new ArrayList<>();
        SegmentScanner.scan(segment, true, null,
                (seq, nanos, offset, length, goesOn) -> frames.add(new long[] {offset, length}));
        long at = frames.get(k)[0] + frames.get(k)[1] / 2;
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 0x20)}), at);
        }
        return frames.get(k)[0];
    }
}
