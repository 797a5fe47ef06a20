package afterme.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A sparse index of one segment: the seq, time and offset of the first record at or after every
 * {@link #SPACING_BYTES} of data. Derived data (FORMAT.md, "Index files"): rebuilt from the segment when
 * missing or stale, and an offset it gives is only a place to start reading, checked by the record found
 * there. Immutable: its first {@code count} entries of arrays that a {@link Builder} only ever appends to
 * beyond them, so that the writer publishes the index of the active segment as it grows without copying it.
 *
 * <pre>
 * file = "AFI1" | u32 version 1 | u64 segment size | u32 entry count | entries | u32 CRC32C of all before
 * entry = u64 seq | u64 epoch nanos | u64 offset
 * </pre>
 */
public final class SparseIndex {
    public static final long SPACING_BYTES = 256 * 1024;
    private static final int MAGIC = 0x41464931;
    private static final int HEAD = 20;
    private static final int ENTRY = 24;

    private final long segmentSize;
    private final long[] seqs;
    private final long[] nanos;
    private final long[] offsets;
    private final int count;

    private SparseIndex(long segmentSize, long[] seqs, long[] nanos, long[] offsets, int count) {
        this.segmentSize = segmentSize;
        this.seqs = seqs;
        this.nanos = nanos;
        this.offsets = offsets;
        this.count = count;
    }

    /** Builds the index from a walk of the segment (frames only, no payload hashing). */
    public static SparseIndex build(Path segment) throws IOException {
        Builder builder = new Builder();
        SegmentScan scan = SegmentScanner.scan(segment, false, null, builder);
        return builder.finish(scan.fileSize());
    }

    /** The stored index of a segment if it is present, intact and made for the segment's current size; else null. */
    public static SparseIndex load(Path segment) throws IOException {
        Path file = SegmentNames.indexFor(segment);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (bytes.length < HEAD + 4 || (bytes.length - HEAD - 4) % ENTRY != 0) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int count = b.getInt(16);
        if (b.getInt(0) != MAGIC || b.getInt(4) != 1 || (int) crc.getValue() != b.getInt(bytes.length - 4)
                || count != (bytes.length - HEAD - 4) / ENTRY || b.getLong(8) != Files.size(segment)) {
            return null;
        }
        long[] seqs = new long[count];
        long[] nanos = new long[count];
        long[] offsets = new long[count];
        for (int i = 0; i < count; i++) {
            int at = HEAD + i * ENTRY;
            seqs[i] = b.getLong(at);
            nanos[i] = b.getLong(at + 8);
            offsets[i] = b.getLong(at + 16);
        }
        return new SparseIndex(b.getLong(8), seqs, nanos, offsets, count);
    }

    /** The stored index when valid, else one built now (and not stored: readers never write). */
    public static SparseIndex loadOrBuild(Path segment) throws IOException {
        SparseIndex index = load(segment);
        return index != null ? index : build(segment);
    }

    /** Writes the index beside its segment, atomically (temp file, fsync, rename). */
    public void store(Path segment) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEAD + count * ENTRY + 4);
        b.putInt(MAGIC).putInt(1).putLong(segmentSize).putInt(count);
        for (int i = 0; i < count; i++) {
            b.putLong(seqs[i]).putLong(nanos[i]).putLong(offsets[i]);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        Path target = SegmentNames.indexFor(segment);
        // A temporary file of each process's thread: readers that find a sealed segment's index missing
        // store it at the same moment, and with one name for all, one renamed it away under another. Not
        // Files.createTempFile, whose owner-only permissions would keep other users' tools from the index.
        Path temp = target.resolveSibling(target.getFileName() + "." + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().getId() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The offset of the last indexed record with seq at most {@code seq}, or the first record's offset. */
    public long offsetForSeq(long seq) {
        int i = Arrays.binarySearch(seqs, 0, count, seq);
        i = i >= 0 ? i : -i - 2;
        return i < 0 ? SegmentHeader.LENGTH : offsets[i];
    }

    /** The seq of the last indexed record strictly before {@code epochNanos}, or 0 when there is none. */
    public long seqBeforeTime(long epochNanos) {
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (nanos[mid] < epochNanos) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? 0 : seqs[found];
    }

    public int entries() {
        return count;
    }

    /** Collects an entry every {@link #SPACING_BYTES}; fed by a scan or, live, by the writer. */
    public static final class Builder implements SegmentScanner.FrameListener {
        private long[] seqs = new long[16];
        private long[] nanos = new long[16];
        private long[] offsets = new long[16];
        private int count;
        private long nextAt;

        @Override
        public void frame(long seq, long epochNanos, long offset, int length, boolean batchGoesOn) {
            if (offset < nextAt) {
                return;
            }
            if (count == seqs.length) {
                seqs = Arrays.copyOf(seqs, count * 2);
                nanos = Arrays.copyOf(nanos, count * 2);
                offsets = Arrays.copyOf(offsets, count * 2);
            }
            seqs[count] = seq;
            nanos[count] = epochNanos;
            offsets[count] = offset;
            count++;
            nextAt = offset + SPACING_BYTES;
        }

        /**
         * Forgets entries at or after {@code offset}: records there were cut away. The entries are copied
         * first: indexes already published share these arrays and must not see new entries where theirs were.
         */
        public void dropFrom(long offset) {
            int keep = count;
            while (keep > 0 && offsets[keep - 1] >= offset) {
                keep--;
            }
            if (keep < count) {
                seqs = Arrays.copyOf(seqs, seqs.length);
                nanos = Arrays.copyOf(nanos, nanos.length);
                offsets = Arrays.copyOf(offsets, offsets.length);
                count = keep;
            }
            nextAt = count == 0 ? 0 : offsets[count - 1] + SPACING_BYTES;
        }

        public int entries() {
            return count;
        }

        /** The index so far, sharing the entries: later ones are appended beyond its count, or to new arrays. */
        public SparseIndex finish(long segmentSize) {
            return new SparseIndex(segmentSize, seqs, nanos, offsets, count);
        }
    }
}
