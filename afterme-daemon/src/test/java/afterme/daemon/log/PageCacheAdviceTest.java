package afterme.daemon.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import afterme.format.SegmentHeader;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * A segment's whole pages start for the disk as soon as they are written, before any fsync asks for them.
 * Once on disk and far enough behind the synced end, they leave the page cache, whichever fsync put them
 * there: the writer's for durable appends or the syncer's for memory-acked ones. What is read back
 * afterwards, from the disk, is what was written.
 */
@EnabledOnOs(OS.LINUX)
class PageCacheAdviceTest {
    private static final int RECORD = 1 << 20;
    private static final int RECORDS = 96;
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    /** cachestat(2), Linux 6.5 and later; the same number on x86-64 and arm64. */
    private static final long CACHESTAT = 451;

    @Test
    void writebackOfWholePagesStartsOnceAStepMoreIsWritten() throws Exception {
        assumeFalse("tmpfs".equals(Files.getFileStore(dir).type()), "the temporary directory is on tmpfs");
        Path file = dir.resolve("pages");
        long step = PageCacheAdvice.WRITEBACK_STEP_BYTES;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             PageCacheAdvice pages = PageCacheAdvice.of(file, 0)) {
            long written = write(ch, 0, step / 2 + 100);
            pages.written(written);
            assertEquals(step / 2 / PAGE + 1, dirtyPages(file, 0, written), "less than a step: nothing started");

            written = write(ch, written, step / 2);
            pages.written(written);
            assertEquals(0, dirtyPages(file, 0, step), "the whole pages are on their way to the disk");
            assertEquals(1, dirtyPages(file, step, PAGE), "the last page, partial, waits for the next write");
        }
    }

    @Test
    void theWriterStartsWritebackOfWhatItWritesBeforeAnyFsync() throws Exception {
        assumeFalse("tmpfs".equals(Files.getFileStore(dir).type()), "the temporary directory is on tmpfs");
        // Neither time nor bytes bring a background fsync here: only the advice can start these pages.
        try (Log log = Log.open(LogConfig.defaults(dir).withFlush(Duration.ofHours(1), 1L << 40))) {
            for (int i = 1; i <= 4; i++) {
                log.submit(Append.of(payload(i), Ack.MEMORY)).written.get();
            }
            Path segment = log.segments().get(0);
            long size = Files.size(segment);
            long wholePages = size - size % PAGE;
            assertEquals(0, dirtyPages(segment, 0, wholePages), "dirty pages in the " + size + " bytes written");
            assertEquals(1, dirtyPages(segment, wholePages, PAGE), "the last, partial page");
        }
    }

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
            long dropped = size - PageCacheAdvice.KEEP_BYTES - PageCacheAdvice.STEP_BYTES;
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

    private static long write(FileChannel ch, long at, long bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) bytes);
        while (b.hasRemaining()) {
            ch.write(b, at + b.position());
        }
        return at + bytes;
    }

    /** How many of the file's cached pages in the range are dirty: written and not yet started for the disk. */
    private static long dirtyPages(Path file, long offset, long length) {
        int fd = CLib.INSTANCE.open(file.toString(), 0);
        assertTrue(fd >= 0, "open " + file);
        try (Memory range = new Memory(16); Memory stat = new Memory(40)) {
            range.setLong(0, offset);
            range.setLong(8, length);
            long rc = CLib.INSTANCE.syscall(CACHESTAT, fd, range, stat, 0);
            assumeTrue(rc == 0, "cachestat(2) failed with errno " + Native.getLastError() + "; Linux 6.5 has it");
            // struct cachestat: nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted
            return stat.getLong(8);
        } finally {
            CLib.INSTANCE.close(fd);
        }
    }

    private interface CLib extends Library {
        CLib INSTANCE = Native.load(Platform.C_LIBRARY_NAME, CLib.class);

        int open(String path, int flags);

        int close(int fd);

        long syscall(long number, int fd, Pointer range, Pointer stat, int flags);
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
