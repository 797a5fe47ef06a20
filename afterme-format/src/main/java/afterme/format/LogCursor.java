package afterme.format;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads a log's records in seq order across segments, starting at any seq, and keeps reading as the
 * log grows (a live daemon's active segment, rotation included). {@link #next} returns null when no
 * further complete record exists yet; damage ends the read with a {@link LogFormatException}.
 *
 * <p>Every record returned has passed its CRC32C and seq checks, which catch torn and flipped bytes; with
 * {@code verifyHashes} also its chain link (from the first record read after a segment start or an
 * index jump) and its payload's SHA-256, which catch deliberate rewrites. The daemon reads with both;
 * tail, whose job is speed, with the CRC; verify walks with everything.
 *
 * <p>In a version-2 segment the writer zero-fills ahead of its records (FORMAT.md, "Fill"), so the file's
 * size no longer says where the records end: zeros where a record's magic belongs do, and a frame that is
 * still zeros at its end is a record being written. Such bytes change under the reader, so before
 * trusting them the cursor reads them again from the file rather than from its window.
 * Not thread-safe: one owner reads.
 */
public final class LogCursor implements Closeable {
    /** {@link #frameOrEnd}: read the bytes at {@link #pos} again from the file. */
    private static final int RETRY = -3;
    /** {@link #frameOrEnd}: the cursor moved (past a trailer or an earlier record); look again. */
    private static final int NEXT = -4;
    /**
     * Times a frame that fails its checks in a segment being written is read again, at most, before it is
     * called damage. A read of a record can itself be torn: it copies page after page while the writer
     * writes the same pages, and the writer can overtake it, so that one read finds the record's end
     * written and a page before it still zeros. Each read again comes later, after the writer has moved
     * on (and may have sealed the segment, whose bytes are then final).
     */
    private static final int REREADS = 4;

    private final Path dir;
    private final boolean verifyHashes;
    private final CRC32C crc = new CRC32C();
    private final MessageDigest md = Hashes.newSha256();
    private long nextSeq;
    private byte[] chain;
    private Path segment;
    private FileChannel channel;
    private SegmentWindow window;
    private long pos;
    private long size;
    /** The segment being read may end in fill. */
    private boolean fillable;

    /** Where a cursor finds a segment's sparse index; null when there is none (the cursor then walks). */
    @FunctionalInterface
    public interface IndexSource {
        SparseIndex indexOf(Path segment) throws IOException;
    }

    private final IndexSource indexes;

    public LogCursor(Path dir, long fromSeq, boolean verifyHashes) {
        this(dir, fromSeq, verifyHashes, SparseIndex::load);
    }

    public LogCursor(Path dir, long fromSeq, boolean verifyHashes, IndexSource indexes) {
        this.dir = dir;
        this.indexes = indexes;
        this.nextSeq = Math.max(1, fromSeq);
        this.verifyHashes = verifyHashes;
    }

    /** The last seq of the log in {@code dir}, 0 when empty: a walk of the last segment only, without payloads. */
    public static long lastSeq(Path dir) throws IOException {
        List<Path> segments = Segments.list(dir);
        if (segments.isEmpty()) {
            return 0;
        }
        long seq = SegmentNames.firstSeq(segments.get(segments.size() - 1)) - 1;
        try (LogCursor c = new LogCursor(dir, seq + 1, false)) {
            for (RecordKey r = c.nextKey(); r != null; r = c.nextKey()) {
                seq = r.seq();
            }
        }
        return seq;
    }

    /** The seq the next record will carry. */
    public long nextSeq() {
        return nextSeq;
    }

    /** The segment being read, or null before the first read. */
    public Path segment() {
        return segment;
    }

    /** The next record, or null when none is complete yet. */
    public LogRecord next() throws IOException {
        int length = advance();
        if (length < 0) {
            return null;
        }
        LogRecord record = RecordCodec.decode(window.buffer(), window.index(pos), segment.getFileName().toString(), pos);
        step(length, record.chain());
        return record;
    }

    /**
     * Like {@link #next} with the same checks, but only the record's seq, time and idempotency key: the
     * daemon's start-up reads the last N records for their keys alone, and decoding whole records made
     * that read most of the start-up time of a log of many records.
     */
    public RecordKey nextKey() throws IOException {
        int length = advance();
        if (length < 0) {
            return null;
        }
        ByteBuffer b = window.buffer();
        int at = window.index(pos);
        RecordKey key = new RecordKey(RecordCodec.seqAt(b, at), RecordCodec.epochNanosAt(b, at),
                RecordCodec.idempotencyKeyAt(b, at));
        step(length, RecordCodec.storedChain(b, at));
        return key;
    }

    /** Receives a record's payload where it lies in the cursor's read buffer, valid during the call only. */
    @FunctionalInterface
    public interface PayloadSink {
        void accept(long seq, long epochNanos, byte[] bytes, int offset, int length) throws IOException;
    }

    /**
     * Like {@link #next} with the same checks, but the payload goes to {@code sink} straight from the read
     * buffer: for tail's payload outputs, where copying every payload out cost more than reading it.
     *
     * @return false when no further complete record exists yet
     */
    public boolean nextPayload(PayloadSink sink) throws IOException {
        int length = advance();
        if (length < 0) {
            return false;
        }
        ByteBuffer b = window.buffer();
        int at = window.index(pos);
        int payloadLength = RecordCodec.payloadSizeAt(b, at);
        sink.accept(RecordCodec.seqAt(b, at), RecordCodec.epochNanosAt(b, at), b.array(),
                b.arrayOffset() + at + length - payloadLength, payloadLength);
        step(length, RecordCodec.storedChain(b, at));
        return true;
    }

    private void step(int length, byte[] recordChain) {
        chain = recordChain;
        nextSeq++;
        pos += length;
    }

    /**
     * Moves to the next record that passes the checks and returns its frame length, the record readable
     * through the window at {@link #pos}; -1 when none is complete yet.
     */
    private int advance() throws IOException {
        int rereads = 0;
        while (true) {
            if (channel == null && !openSegmentHolding(nextSeq)) {
                return -1;
            }
            if (fillable && rereads > 0) {
                readEndAfresh();
            }
            int length;
            try {
                length = frameOrEnd(rereads);
            } catch (EOFException e) {
                if (!fillable) {
                    throw e;
                }
                // Sealing cuts the fill off: the file shrank under us and is read afresh next time.
                readEndAfresh();
                return -1;
            }
            if (length == RETRY) {
                rereads++;
                Thread.yield();
                continue;
            }
            if (length != NEXT) {
                return length;
            }
            rereads = 0;
        }
    }

    /** One step of {@link #advance}: a valid frame's length, -1 for none yet, or {@link #RETRY} or {@link #NEXT}. */
    private int frameOrEnd(int rereads) throws IOException {
        if (pos >= size || size - pos < RecordCodec.PREFIX) {
            // Only near the known end is the file asked again how long it has grown.
            size = channel.size();
        }
        if (pos >= size) {
            checkNotAbandoned();
            return -1;
        }
        if (fillable && window.fillAt(pos, size)) {
            if (rereads == 0) {
                return RETRY;
            }
            checkNotAbandoned();
            return -1;
        }
        int avail = window.load(pos, RecordCodec.PREFIX, size);
        ByteBuffer b = window.buffer();
        int at = window.index(pos);
        if (avail >= 4 && b.getInt(at) == Trailer.MAGIC) {
            return moveAfterTrailer() ? NEXT : -1;
        }
        int length = window.frameAt(pos, size, crc);
        if (length == RecordCodec.NEED_MORE && size < channel.size()) {
            size = channel.size();
            return NEXT;
        }
        if (length == RecordCodec.NEED_MORE) {
            checkNotAbandoned();
            return -1;
        }
        if (length == RecordCodec.INVALID && fillable && rereads == 0) {
            return RETRY;
        }
        if (length == RecordCodec.INVALID && fillable && isLastSegment() && beingWritten()) {
            return -1;
        }
        if (length == RecordCodec.INVALID && fillable && rereads < REREADS) {
            // A torn read, or a record finished and its segment sealed since: read afresh, all checks again.
            return RETRY;
        }
        if (length == RecordCodec.INVALID) {
            throw damage(ProblemKind.BAD_CHECKSUM, "record fails its CRC32C or framing checks");
        }
        b = window.buffer();
        at = window.index(pos);
        long seq = RecordCodec.seqAt(b, at);
        if (seq < nextSeq) {
            // Walking forward from a segment start or index entry to the seq asked for.
            chain = RecordCodec.storedChain(b, at);
            pos += length;
            return NEXT;
        }
        if (seq > nextSeq) {
            throw damage(ProblemKind.SEQ_GAP, "found seq " + seq + " where seq " + nextSeq + " belongs");
        }
        if (verifyHashes && chain != null && !RecordCodec.chainFollows(b, at, chain, md)) {
            throw damage(ProblemKind.CHAIN_BREAK, "chain hash does not follow from the previous record");
        }
        if (verifyHashes && !RecordCodec.payloadHashMatches(b, at, md)) {
            throw damage(ProblemKind.BAD_HASH, "payload does not match its SHA-256");
        }
        return length;
    }

    /** Only the last segment is ever written; in any other, a frame that fails its checks is damage. */
    private boolean isLastSegment() throws IOException {
        List<Path> segments = Segments.list(dir);
        return !segments.isEmpty() && segments.get(segments.size() - 1).equals(segment);
    }

    /**
     * An invalid frame in a segment that may end in fill is a record being written when its last byte is
     * still zero (a write fills a record from its start), or when its length is not there yet.
     */
    private boolean beingWritten() throws IOException {
        window.load(pos, RecordCodec.PREFIX, size);
        long claimed = Integer.toUnsignedLong(window.buffer().getInt(window.index(pos) + 8));
        if (claimed == 0) {
            return true;
        }
        if (claimed < RecordCodec.MIN_LENGTH || claimed > size - pos) {
            return false;
        }
        long last = pos + claimed - 1;
        window.load(last, 1, size);
        return window.buffer().get(window.index(last)) == 0;
    }

    /**
     * After {@link #next} returned null on a log that is not being written: the bytes left after the last
     * valid record, as a torn-tail problem, or null when the log ends cleanly (a fill of zeros included).
     */
    public Problem leftover() throws IOException {
        if (channel == null || pos >= channel.size()) {
            return null;
        }
        long end = channel.size();
        long zerosAt = fillable ? window.zerosFrom(pos, end) : end;
        if (zerosAt == pos) {
            return null;
        }
        return Problem.tornTail(segment.getFileName().toString(), pos, nextSeq, end - pos, end - zerosAt, null,
                "run 'afterme recover' to cut them (they are backed up)");
    }

    private boolean moveAfterTrailer() throws IOException {
        if (size - pos < Trailer.LENGTH) {
            return false;
        }
        window.load(pos, Trailer.LENGTH, size);
        Trailer t = Trailer.tryDecode(window.buffer(), window.index(pos));
        if (t == null) {
            throw damage(ProblemKind.BAD_TRAILER, "trailer fails its CRC32C");
        }
        if (t.lastSeq() != nextSeq - 1 || (chain != null && !Arrays.equals(chain, t.chainHead()))) {
            throw damage(ProblemKind.BAD_TRAILER, "trailer says last seq " + t.lastSeq() + ", records end at "
                    + (nextSeq - 1));
        }
        Path next = dir.resolve(SegmentNames.name(nextSeq));
        if (!Files.exists(next)) {
            List<Path> later = Segments.list(dir).stream().filter(s -> SegmentNames.firstSeq(s) > nextSeq).toList();
            if (!later.isEmpty()) {
                throw damage(ProblemKind.SEQ_GAP, "segment " + next.getFileName() + " is missing; the next segment is "
                        + later.get(0).getFileName());
            }
            return false;
        }
        closeChannel();
        return openSegment(next);
    }

    /**
     * A segment that stops without a trailer while a later segment exists was abandoned mid-write. The
     * writer seals a segment before it creates the next, so the end seen may be older than the later
     * segment: a trailer found when the end is read again means the segment was sealed meanwhile.
     */
    private void checkNotAbandoned() throws IOException {
        Path next = dir.resolve(SegmentNames.name(nextSeq));
        if (Files.exists(next) && !next.equals(segment) && !sealedSince()) {
            throw damage(ProblemKind.MISSING_TRAILER, "segment ends without a trailer but " + next.getFileName()
                    + " follows it");
        }
    }

    private boolean sealedSince() throws IOException {
        readEndAfresh();
        return size - pos >= Trailer.LENGTH && window.load(pos, 4, size) >= 4
                && window.buffer().getInt(window.index(pos)) == Trailer.MAGIC;
    }

    /** Forgets what the window holds and asks the file its size: the bytes near the end may have changed. */
    private void readEndAfresh() throws IOException {
        window.forget();
        size = channel.size();
    }

    private boolean openSegmentHolding(long seq) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        List<Path> segments = Segments.list(dir);
        Path holding = Segments.holding(segments, seq);
        if (holding == null) {
            if (segments.isEmpty()) {
                return false;
            }
            holding = segments.get(0);
        }
        if (!openSegment(holding)) {
            return false;
        }
        if (seq > SegmentNames.firstSeq(holding)) {
            SparseIndex index = indexes.indexOf(holding);
            if (index != null) {
                long at = index.offsetForSeq(seq);
                if (at > pos) {
                    pos = at;
                    chain = null;
                }
            }
        }
        return true;
    }

    private boolean openSegment(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        SegmentHeader header;
        try {
            if (ch.size() < SegmentHeader.LENGTH) {
                // A segment being created: its header is not all there yet.
                ch.close();
                return false;
            }
            header = SegmentScanner.readHeader(ch, file.getFileName().toString());
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        channel = ch;
        size = ch.size();
        fillable = header.mayHaveFill();
        segment = file;
        window = window == null ? new SegmentWindow(ch, SegmentWindow.DEFAULT_CAPACITY) : window.moveTo(ch);
        pos = SegmentHeader.LENGTH;
        if (header.firstSeq() > nextSeq) {
            nextSeq = header.firstSeq();
        }
        chain = header.firstSeq() == nextSeq ? header.prevChain() : null;
        return true;
    }

    private LogFormatException damage(ProblemKind kind, String message) {
        return new LogFormatException(new Problem(kind, segment.getFileName().toString(), pos, nextSeq, message),
                "run 'afterme verify " + dir + "' for the full report");
    }

    private void closeChannel() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public void close() throws IOException {
        closeChannel();
    }
}
