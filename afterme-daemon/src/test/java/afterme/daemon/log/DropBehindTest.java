package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import afterme.format.SegmentHeader;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Once on disk and far enough behind the synced end, a segment's pages leave the page cache, whichever
 * fsync put them there: the writer's for durable appends or the syncer's for memory-acked ones. What is
 * read back afterwards, from the disk, is what was written.
 */
@EnabledOnOs(OS.LINUX)
class DropBehindTest {
    private static final int RECORD = 1 << 20;
    private static final int RECORDS = 96;
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Ack.class)
    void pagesFarBehindTheSyncedEndLeaveThePageCacheAndReadBackIntact(Ack ack) throws Exception {
        // tmpfs pages are the file itself: there is no disk to drop them to.
        assumeFalse("tmpfs".equals(Files.getFileStore(dir).type()), "the temporary directory is on tmpfs");
        try (Log log = Log.open(LogConfig.defaults(dir).withFlush(Duration.ofMillis(5), 1 << 20))) {
            for (int i = 1; i <= RECORDS; i++) {
                Append a = log.submit(Append.of(payload(i), ack));
                (ack == Ack.DURABLE ? a.durable : a.written).get();
            }
            // One more durable append, so that everything before it is synced whatever the ack.
            log.submit(Append.of(new byte[1], Ack.DURABLE)).durable.get();
            Path segment = log.segments().get(0);
            long size = Files.size(segment);

            // Against a writer that leaves every page cached, the first of these pages is resident.
            long dropped = size - DropBehind.KEEP_BYTES - DropBehind.STEP_BYTES;
            for (long at = SegmentHeader.LENGTH; at < dropped; at += 4L << 20) {
                assertFalse(resident(segment, at), "the page at offset " + at + " of " + size + " is still cached");
            }
            assertTrue(resident(segment, size - PAGE), "the last page, just written, stays cached");

            for (int i = 1; i <= RECORDS; i++) {
                assertArrayEquals(payload(i), log.read(i).payload(), "seq " + i);
            }
        }
    }

    @Test
    void closingTheLogClosesTheDescriptorsItOpenedForTheAdvice() throws Exception {
        long before = openDescriptors();
        for (int i = 0; i < 20; i++) {
            try (Log log = Log.open(LogConfig.defaults(dir))) {
                log.submit(Append.of(new byte[1], Ack.DURABLE)).durable.get();
            }
        }
        long after = openDescriptors();
        // A leak shows as one more per opening; a little slack for whatever else the JVM opens meanwhile.
        assertTrue(after <= before + 3, before + " descriptors open before, " + after + " after");
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static byte[] payload(int seq) {
        byte[] b = new byte[RECORD];
        Arrays.fill(b, (byte) seq);
        b[0] = (byte) (seq >> 8);
        return b;
    }

    /** Whether the page holding {@code offset} is in the page cache (mincore(2), through isLoaded). */
    private static boolean resident(Path file, long offset) throws IOException {
        long page = offset - offset % PAGE;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, page, PAGE);
            return map.isLoaded();
        }
    }
}
