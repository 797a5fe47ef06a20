package afterme.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The one check of the bytes at an offset of a segment, and the one rule for a walk that stops there:
 * scanning, the cursor and the parallel prefix check all ask it (FORMAT.md, "Validity" and "Finding the
 * end of valid data"). Reads through a {@link SegmentWindow}; not thread-safe, one per walker.
 */
final class FrameCheck {
    /** Sectors a disk writes whole: a torn write leaves whole sectors of zeros (etcd's isTornEntry uses 512 too). */
    static final int SECTOR = 512;
    /**
     * The unit a power loss keeps or loses whole: the page of the page cache that writeback writes, 4 KiB
     * on Linux (larger pages are whole runs of these).
     */
    static final int PAGE = 4096;

    /** Why a walk stopped at an offset: a torn write to cut, or damage; {@code resumesAt} -1 when nothing valid follows. */
    record Stop(ProblemKind kind, long offset, long resumesAt, String why) {
        boolean torn() {
            return kind == ProblemKind.TORN_TAIL;
        }
    }

    private final CRC32C crc = new CRC32C();
    private SegmentWindow window;
    private SegmentHeader header;

    FrameCheck(SegmentWindow window, SegmentHeader header) {
        this.window = window;
        this.header = header;
    }

    /** The same check over another segment (the cursor moves across segments with one window). */
    void moveTo(SegmentWindow window, SegmentHeader header) {
        this.window = window;
        this.header = header;
    }

    /**
     * What the bytes at {@code pos} are, of a file of {@code size} bytes. On {@link FrameVerdict#RECORD} the
     * record, and on {@link FrameVerdict#TRAILER} the trailer, is readable through the window at {@code pos}.
     * A claimed length past the end of the file is never read, so that a damaged length never makes a
     * reader allocate what it claims.
     */
    FrameVerdict at(long pos, long size) throws IOException {
        int avail = window.load(pos, RecordCodec.PREFIX, size);
        if (avail == 0) {
            return size > pos ? FrameVerdict.PAST_END : FrameVerdict.END;
        }
        ByteBuffer b = window.buffer();
        int at = window.index(pos);
        if (header.mayHaveFill() && zeros(b, at, Math.min(4, avail))) {
            return FrameVerdict.FILL;
        }
        if (avail >= 4 && b.getInt(at) == Trailer.MAGIC) {
            if (size - pos < Trailer.LENGTH) {
                return FrameVerdict.PAST_END;
            }
            window.load(pos, Trailer.LENGTH, size);
            return Trailer.tryDecode(window.buffer(), window.index(pos)) != null ? FrameVerdict.TRAILER
                    : FrameVerdict.BAD_CRC;
        }
        if (avail >= RecordCodec.PREFIX) {
            long claimed = Integer.toUnsignedLong(b.getInt(at + 8));
            if (claimed > size - pos) {
                return b.getInt(at) == RecordCodec.MAGIC ? FrameVerdict.PAST_END : FrameVerdict.BAD_MAGIC;
            }
            if (claimed >= RecordCodec.MIN_LENGTH) {
                avail = window.load(pos, (int) claimed, size);
                at = window.index(pos);
            }
        }
        return RecordCodec.check(window.buffer(), at, avail, header, crc);
    }

    /**
     * The records of a batch from an offset on: where they stop, how many there are, and whether the last of
     * them ends the batch (rather than the frames ending first).
     */
    record BatchRun(long end, long records, boolean ended) {
    }

    /**
     * Walks the records from {@code from} of a batch that a record before it began (rules 1 to 4, FORMAT.md
     * "Batches"): to the end of the record that ends the batch, or to the first frame that is not a record.
     */
    BatchRun batchRun(long from, long size) throws IOException {
        long q = from;
        long records = 0;
        while (at(q, size) == FrameVerdict.RECORD) {
            boolean goesOn = RecordCodec.batchGoesOnAt(window.buffer(), window.index(q));
            q += length(q);
            records++;
            if (!goesOn) {
                return new BatchRun(q, records, true);
            }
        }
        return new BatchRun(q, records, false);
    }

    /** The length of the record {@link #at} found at {@code pos}. */
    int length(long pos) {
        return RecordCodec.lengthAt(window.buffer(), window.index(pos));
    }

    /** The trailer {@link #at} found at {@code pos}. */
    Trailer trailer(long pos) {
        return Trailer.tryDecode(window.buffer(), window.index(pos));
    }

    /**
     * Classifies a walk that stopped at {@code pos}, where seq {@code expectedSeq} belongs, on {@code verdict}
     * (FORMAT.md, "Finding the end of valid data"). When valid data resumes after it, the bytes were damaged
     * after they were written whole, unless this is the last segment of a version-3 log, no record after the
     * stop says an fsync had covered {@code expectedSeq}, and a whole page of zeros lies where the stop's
     * bytes should be: then the stop is the first write a power loss tore, and what follows it was never
     * synced either. When nothing valid follows, a torn write is told by its evidence, and damage by the
     * lack of it.
     */
    Stop stop(long pos, long size, FrameVerdict verdict, long expectedSeq, boolean last) throws IOException {
        long resume = nextFrame(pos + 1, size, size, true);
        if (resume >= 0) {
            String resumes = verdict.why() + "; valid data resumes at offset " + resume;
            if (!last || !header.marksSyncs()) {
                return new Stop(ProblemKind.BAD_CHECKSUM, pos, resume, resumes);
            }
            long marked = highestSyncMark(resume, size);
            if (marked >= expectedSeq) {
                return new Stop(ProblemKind.BAD_CHECKSUM, pos, resume, resumes + ", and a record there says seq "
                        + expectedSeq + " had been synced: damage to synced bytes, not a torn write");
            }
            long page = zeroPage(pos, resume);
            if (page >= 0) {
                return new Stop(ProblemKind.TORN_TAIL, pos, -1, resumes + ", but no record after it says seq "
                        + expectedSeq + " had been synced and the page at offset " + page + " reads as zeros: the"
                        + " writes after the last fsync, torn by a power loss");
            }
            return new Stop(ProblemKind.BAD_CHECKSUM, pos, resume, resumes + ", and no page of zeros tells of a"
                    + " torn write: damage");
        }
        if (tornWrite(pos, size, verdict)) {
            return new Stop(ProblemKind.TORN_TAIL, pos, -1, verdict.why());
        }
        return new Stop(ProblemKind.BAD_CHECKSUM, pos, -1, verdict.why() + " in a frame written whole: damage, not"
                + " a torn write");
    }

    /**
     * The highest sync mark of the valid records from {@code from} to the end of the segment, -1 when none
     * carries one; stops at a trailer, which carries none and ends the records.
     */
    private long highestSyncMark(long from, long size) throws IOException {
        long highest = -1;
        long q = from;
        while (q >= 0) {
            FrameVerdict v = at(q, size);
            if (v == FrameVerdict.RECORD) {
                highest = Math.max(highest, RecordCodec.syncMarkAt(window.buffer(), window.index(q)));
                q += length(q);
            } else if (v == FrameVerdict.TRAILER || v == FrameVerdict.END) {
                break;
            } else {
                q = nextFrame(q + 1, size, size, true);
            }
        }
        return highest;
    }

    /**
     * The start of the first file page that a power loss kept at an older version between {@code pos} and
     * {@code resume}, or -1. Every byte written after the last fsync of a version-2 or later segment was zero
     * before (the fill, or new blocks), and a page reaches the disk whole; so a page the disk kept from
     * before a write reads as zeros from {@code pos} (or the page's start) to the page's end, and the valid
     * data found after it starts in a later page.
     */
    private long zeroPage(long pos, long resume) throws IOException {
        for (long page = pos - Math.floorMod(pos, PAGE); page + PAGE <= resume; page += PAGE) {
            long from = Math.max(pos, page);
            if (window.zerosFrom(from, page + PAGE) == from) {
                return page;
            }
        }
        return -1;
    }

    /**
     * Evidence that a frame failing its checks is a write the writer did not finish (etcd's isTornEntry):
     * it runs past the end of the file, or it is not a frame at all (its length or magic never written),
     * or zeros stand where its bytes should be: a byte of its magic is zero, its last byte is zero (a
     * write fills a frame from its start) or a whole sector of it is. A frame the file holds whole without
     * such zeros is damage, even when its magic alone is wrong, which its CRC32C does not cover.
     */
    boolean tornWrite(long pos, long size, FrameVerdict verdict) throws IOException {
        switch (verdict) {
            case PAST_END, BAD_LENGTH, FILL:
                return true;
            case BAD_MAGIC:
                return magicPartlyZero(pos, size) || !wholeWithoutMagic(pos, size);
            default:
                break;
        }
        window.load(pos, RecordCodec.PREFIX, size);
        int length = window.buffer().getInt(window.index(pos)) == Trailer.MAGIC ? Trailer.LENGTH
                : RecordCodec.lengthAt(window.buffer(), window.index(pos));
        window.load(pos, length, size);
        ByteBuffer b = window.buffer();
        int at = window.index(pos);
        if (b.get(at + length - 1) == 0) {
            return true;
        }
        for (long sector = pos - Math.floorMod(pos, SECTOR); sector < pos + length; sector += SECTOR) {
            long from = Math.max(pos, sector);
            long to = Math.min(pos + length, sector + SECTOR);
            if (zeros(b, at + (int) (from - pos), (int) (to - from))) {
                return true;
            }
        }
        return false;
    }

    /**
     * A magic with a zero byte, which no magic has: the start of a frame whose first bytes were never
     * written, as when a power loss kept the page holding the rest of the frame and lost the one before
     * (the frame's CRC32C, which does not cover the magic, then holds).
     */
    private boolean magicPartlyZero(long pos, long size) throws IOException {
        int avail = window.load(pos, 4, size);
        ByteBuffer b = window.buffer();
        int at = window.index(pos);
        for (int i = 0; i < Math.min(4, avail); i++) {
            if (b.get(at + i) == 0) {
                return true;
            }
        }
        return false;
    }

    /** A record whose magic alone is wrong: a plausible length the file holds, and a CRC32C that holds. */
    private boolean wholeWithoutMagic(long pos, long size) throws IOException {
        if (window.load(pos, RecordCodec.PREFIX, size) < RecordCodec.PREFIX) {
            return false;
        }
        long claimed = Integer.toUnsignedLong(RecordCodec.lengthAt(window.buffer(), window.index(pos)));
        if (claimed < RecordCodec.MIN_LENGTH || claimed > size - pos) {
            return false;
        }
        window.load(pos, (int) claimed, size);
        return RecordCodec.crcHolds(window.buffer(), window.index(pos), (int) claimed, crc);
    }

    /**
     * The first offset in {@code [from, to)} where a valid record frame starts (or, with {@code trailers},
     * a valid trailer), or -1. Every byte offset is tried: this is how a reader tells damage in the middle
     * from a torn tail, where a walk resumes after damage, and where a parallel walk finds a place to start.
     */
    long nextFrame(long from, long to, long size, boolean trailers) throws IOException {
        for (long q = from; q < to && q + 4 <= size; q++) {
            window.load(q, 4, size);
            int magic = window.buffer().getInt(window.index(q));
            if (magic == RecordCodec.MAGIC && at(q, size) == FrameVerdict.RECORD) {
                return q;
            }
            if (trailers && magic == Trailer.MAGIC && at(q, size) == FrameVerdict.TRAILER) {
                return q;
            }
        }
        return -1;
    }

    private static boolean zeros(ByteBuffer b, int at, int n) {
        for (int i = 0; i < n; i++) {
            if (b.get(at + i) != 0) {
                return false;
            }
        }
        return true;
    }
}
