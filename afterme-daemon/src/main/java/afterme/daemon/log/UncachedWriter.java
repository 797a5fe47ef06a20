package afterme.daemon.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes of large payloads that bypass the page cache ({@code O_DIRECT}): the device takes the bytes from
 * this writer's buffer, and the kernel neither allocates page-cache pages for them nor copies them there.
 * Owned by the writer thread; one for the log, used for each segment's writes in turn.
 *
 * <p>Why: written through the page cache, a 256 KiB append cost the writer about 306 us, 122 of them in
 * the kernel's copy into new pages and 73 in ext4 allocating those pages (perf, memory-acked from 8
 * connections), CPU that the HTTP side and the clients share. Written past the cache, the writer copies
 * the bytes once into its aligned buffer and then waits for the disk without using the CPU. In
 * alternating runs (http-ab), from 8 connections 256 KiB appends went 13% and 20% further memory-acked
 * and 24% and 33% durable, 1 MiB durable ones 9%; from 64 connections 64 KiB memory-acked ones 13% and
 * 20%, 1 MiB memory-acked 12% and 256 KiB durable 10%; one client's 64 KiB durable appends stayed
 * level. The gain moves with the machine: in other runs of the same comparison, 256 KiB appends from 8
 * connections went 9% less far memory-acked and level durable (0.909 and 0.969, 12 rounds each), though
 * each cost the daemon 9% and 3% less CPU. Writes of smaller records stay cached: 16 KiB appends from 64
 * connections, whose writes are as large, lost 5% this way (the writer waits for the disk where the cache
 * would have taken them at once, and their acks with it).
 *
 * <p>{@code O_DIRECT} asks that a write's offset, length and buffer be multiples of the file system's
 * block size. So a write starts at the start of the block that holds the end of the records, and puts
 * that block's bytes before the end back as they are: the ones this writer's last write left, else read
 * from the file through the cache. It ends at a block boundary, the bytes after the records being zeros,
 * which the format reads as the fill (FORMAT.md). A power loss during the write can tear the block
 * written again, but its bytes before the end are the same before and after, as they are when writeback
 * writes a partly filled page again.
 *
 * <p>Readers go on reading through the cache: the kernel drops the cached pages a direct write covers,
 * and reads them from the disk the next time they are asked for. So while a reader in the daemon follows
 * the head (a subscriber or a forwarder, {@link HeadFollowers}), the writer writes through the cache and
 * this writer waits: that reader would otherwise read back from the disk every record just written.
 * With one Server-Sent Events subscriber reading every record, 256 KiB memory-acked appends from 8
 * connections went 859-910 a second written past the cache against 1,069-1,193 through it (three
 * alternating runs of 10 s), and the subscriber was sent 1.7-1.9 GB in those 10 s against 2.0-2.1: its
 * reads from the disk took the disk and the CPU the writes needed. A reader in another process, such as
 * {@code afterme tail --follow}, is not seen, and reads these records from the disk.
 */
final class UncachedWriter {
    /**
     * What one write holds at most: a single append larger than any write ({@link
     * StagedWrite#IN_PLACE_WRITE_BYTES}) is copied into the buffer and written a chunk at a time. Each write
     * waits for the device: in chunks of 1 MiB, a 1 MiB record and its head took two writes, the second of
     * one block; in chunks of 4 MiB they take one, and 1 MiB appends went 22-59% further memory-acked and
     * durable, from 8 and 64 connections (http-ab, every round). Bare {@code O_DIRECT} writes with the 2
     * cores kept busy ran 681-804 MB/s in 1 MiB, 813-862 in 2, 930-987 in 4 and 852-856 in 8.
     */
    static final int CHUNK_BYTES = 4 << 20;

    private final int block;
    private ByteBuffer chunk;
    /** The bytes of the last partial block this writer wrote, in {@link #tailFile} before {@link #tailEnd}. */
    private final ByteBuffer tail;
    private FileChannel tailFile;
    private long tailEnd = -1;

    private UncachedWriter(int block) {
        this.block = block;
        this.tail = ByteBuffer.allocate(block);
    }

    /**
     * For the segments in {@code dir}, or null when its file system gives no block size a direct write can
     * be aligned to.
     */
    static UncachedWriter forDirectory(Path dir) {
        try {
            long size = Files.getFileStore(dir).getBlockSize();
            if (size < 512 || size > CHUNK_BYTES || Long.bitCount(size) != 1) {
                return null;
            }
            return new UncachedWriter((int) size);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** {@code at} rounded up to a whole block. */
    long blockEnd(long at) {
        return (at + block - 1) & -block;
    }

    /**
     * Writes {@code parts} at {@code end}, the end of the records, through {@code direct}; the bytes before
     * {@code end} in its block are read through {@code cached} unless this writer's last write left them.
     * The parts' positions are left as they are.
     *
     * @return the end of what was written, the zeros after the parts included: a block boundary
     */
    long write(FileChannel direct, FileChannel cached, ByteBuffer[] parts, long end) throws IOException {
        if (chunk == null) {
            chunk = ByteBuffer.allocateDirect(CHUNK_BYTES + block).alignedSlice(block);
        }
        int head = (int) (end % block);
        long at = end - head;
        ByteBuffer c = chunk.clear();
        if (head > 0) {
            readHead(direct, cached, at, head, end);
        }
        c.position(head);
        tailFile = null;
        for (ByteBuffer part : parts) {
            int from = part.position();
            while (from < part.limit()) {
                int n = Math.min(part.limit() - from, CHUNK_BYTES - c.position());
                c.put(c.position(), part, from, n).position(c.position() + n);
                from += n;
                if (c.position() == CHUNK_BYTES) {
                    ActiveSegment.writeFully(direct, c.flip(), at);
                    at += CHUNK_BYTES;
                    c.clear();
                }
            }
        }
        int used = c.position();
        int padded = (int) blockEnd(used);
        for (int i = used; i < padded; i++) {
            c.put(i, (byte) 0);
        }
        if (padded > 0) {
            ActiveSegment.writeFully(direct, c.limit(padded).position(0), at);
        }
        int partial = used % block;
        tail.clear().put(0, c, used - partial, partial);
        tailFile = direct;
        tailEnd = at + used;
        return at + padded;
    }

    /** The block's bytes before {@code end} into the start of the chunk: kept from the last write, or read. */
    private void readHead(FileChannel direct, FileChannel cached, long at, int head, long end) throws IOException {
        if (tailFile == direct && tailEnd == end) {
            chunk.put(0, tail, 0, head);
            return;
        }
        ByteBuffer into = chunk.duplicate().position(0).limit(head);
        while (into.hasRemaining()) {
            if (cached.read(into, at + into.position()) < 0) {
                throw new IOException("the segment ends before its records do, at " + (at + into.position()));
            }
        }
    }
}
