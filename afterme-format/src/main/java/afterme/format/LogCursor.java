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
    /** What one look at {@link #pos} found. */
    private enum Step {
        /** A record that passes the checks, of {@link #length} bytes. */
        RECORD,
        /** No further complete record yet. */
        NONE_YET,
        /** Read the bytes at {@link #pos} again from the file. */
        LOOK_AGAIN,
        /** The cursor moved (past a trailer or an earlier record); look again. */
        MOVED
    }

    private final Path dir;
    private final boolean verifyHashes;
    /** Only a cursor that checks hashes needs one: making it costs a short-lived tool a good part of its start. */
    private final MessageDigest md;
    private long nextSeq;
    private byte[] chain;
    private Path segment;
    private SegmentHeader header;
    private FileChannel channel;
    private SegmentWindow window;
    private FrameCheck check;
    /** The length of the record {@link Step#RECORD} found. */
    private int length;
    private long pos;
    /** The seq the record at {@link #pos} must carry; 0 right after an index jump, where it is not known. */
    private long posSeq;
    private long size;
    /** The segment being read may end in fill. */
    private boolean fillable;
    /** Where the last batch found whole in the segment being read ends: records before it are not held back. */
    private long batchEndsAt;

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
        this.md = verifyHashes ? Hashes.newSha256() : null;
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
        sink.accept(RecordCodec.seqAt(b, at), RecordCodec.epochNanosAt(b, at), b.array(),
                b.arrayOffset() + RecordCodec.payloadAt(b, at), RecordCodec.payloadSizeAt(b, at));
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
        int looks = 0;
        while (true) {
            if (channel == null && !openSegmentHolding(nextSeq)) {
                return -1;
            }
            if (fillable && looks > 0) {
                readEndAfresh();
            }
            Step step;
            try {
                step = look(looks);
            } catch (EOFException e) {
                if (!fillable) {
                    throw e;
                }
                // Sealing cuts the fill off: the file shrank under us and is read afresh next time.
                readEndAfresh();
                return -1;
            }
            switch (step) {
                case RECORD:
                    return length;
                case NONE_YET:
                    return -1;
                case LOOK_AGAIN:
                    LiveRead.pause(looks++);
                    break;
                default:
                    looks = 0;
                    break;
            }
        }
    }

    /** One look at {@link #pos} for {@link #advance}, the {@code looks}-th at the same bytes. */
    private Step look(int looks) throws IOException {
        if (pos >= size || size - pos < RecordCodec.PREFIX) {
            // Only near the known end is the file asked again how long it has grown.
            size = channel.size();
        }
        FrameVerdict verdict = check.at(pos, size);
        switch (verdict) {
            case END:
                checkNotAbandoned();
                return Step.NONE_YET;
            case FILL:
                // Zeros that a window read earlier may since have become records: read them afresh once.
                if (looks == 0) {
                    return Step.LOOK_AGAIN;
                }
                checkNotAbandoned();
                return Step.NONE_YET;
            case TRAILER:
                return moveAfterTrailer() ? Step.MOVED : Step.NONE_YET;
            case RECORD:
                return record();
            case PAST_END:
                if (size < channel.size()) {
                    size = channel.size();
                    return Step.MOVED;
                }
                checkNotAbandoned();
                return Step.NONE_YET;
            default:
                break;
        }
        if (fillable && looks == 0) {
            return Step.LOOK_AGAIN;
        }
        if (fillable && isLastSegment() && check.tornWrite(pos, size, verdict)) {
            checkNotAbandoned();
            return Step.NONE_YET;
        }
        if (fillable && LiveRead.lookAgain(looks)) {
            // A torn read, or a record finished and its segment sealed since: read afresh, all checks again.
            return Step.LOOK_AGAIN;
        }
        boolean last = isLastSegment();
        FrameCheck.Stop stop = check.stop(pos, size, verdict, posSeq > 0 ? posSeq : nextSeq, last);
        if (stop.torn() && last) {
            checkNotAbandoned();
            return Step.NONE_YET;
        }
        if (stop.torn()) {
            // Only the last segment has a tail to tear: here the bytes stand where the trailer belongs.
            throw damage(ProblemKind.MISSING_TRAILER, "segment ends without a trailer (" + stop.why() + ") but a"
                    + " later segment follows it");
        }
        throw damage(stop.kind(), stop.why());
    }

    /** Rules 5 to 7 for the record at {@link #pos}, or a step forward to the seq asked for. */
    private Step record() throws IOException {
        ByteBuffer b = window.buffer();
        int at = window.index(pos);
        int frame = check.length(pos);
        long seq = RecordCodec.seqAt(b, at);
        long belongs = posSeq > 0 ? posSeq : seq;
        if (seq != belongs || seq > nextSeq) {
            long expected = Math.min(belongs, nextSeq);
            throw damage(ProblemKind.SEQ_GAP, expected, "found seq " + seq + " where seq " + expected + " belongs");
        }
        if (seq < nextSeq) {
            // Walking forward from a segment start or index entry to the seq asked for.
            posSeq = seq + 1;
            chain = RecordCodec.storedChain(b, at);
            pos += frame;
            return Step.MOVED;
        }
        if (verifyHashes && chain != null && !RecordCodec.chainFollows(b, at, chain, md)) {
            throw damage(ProblemKind.CHAIN_BREAK, "chain hash does not follow from the previous record");
        }
        if (verifyHashes && !RecordCodec.payloadHashMatches(b, at, md)) {
            throw damage(ProblemKind.BAD_HASH, "payload does not match its SHA-256");
        }
        if (pos >= batchEndsAt && RecordCodec.batchGoesOnAt(b, at)) {
            long end = batchEnd(pos + frame);
            if (end < 0) {
                checkNotAbandoned();
                return Step.NONE_YET;
            }
            batchEndsAt = end;
            // The walk ahead moved the window: bring the record back into it.
            check.at(pos, size);
        }
        posSeq = seq + 1;
        length = frame;
        return Step.RECORD;
    }

    /**
     * Where the batch that goes on at {@code from} ends: the offset after its last record, or -1 while
     * that record is not in the file. A batch is appended whole or not at all, so its records are held back
     * until its last one is there: a batch a crash cut short is cut whole at start-up, and no reader has
     * seen part of it. Read afresh before giving up: the window may hold the fill's zeros from before.
     * Damage after the records (what {@link #look} would report rather than wait at) is returned as their
     * end: the walk reaches it and reports it.
     */
    private long batchEnd(long from) throws IOException {
        for (boolean afresh = false; ; afresh = true) {
            FrameCheck.BatchRun run = check.batchRun(from, size);
            long q = run.end();
            if (run.ended()) {
                return q;
            }
            FrameVerdict v = check.at(q, size);
            if (v == FrameVerdict.TRAILER || !isLastSegment() || !(v == FrameVerdict.END || check.tornWrite(q, size, v)
                    || check.stop(q, size, v, nextSeq + 1 + run.records(), true).torn())) {
                return q;
            }
            if (afresh) {
                return -1;
            }
            readEndAfresh();
        }
    }

    /** Only the last segment is ever written; in any other, a frame that fails its checks is damage. */
    private boolean isLastSegment() throws IOException {
        return Segments.isLast(segment);
    }

    /**
     * After {@link #next} returned null on a log that is not being written: the bytes left after the last
     * valid record, as a torn-tail problem, or null when the log ends cleanly (a fill of zeros included).
     */
    public Problem leftover() throws IOException {
        if (channel == null) {
            return null;
        }
        readEndAfresh();
        FrameVerdict verdict = check.at(pos, size);
        if (verdict == FrameVerdict.TRAILER) {
            // The trailer of a log whose last segment is sealed.
            return null;
        }
        if (verdict == FrameVerdict.RECORD) {
            return unfinishedBatch();
        }
        boolean cleanEnd = verdict == FrameVerdict.END || (verdict == FrameVerdict.FILL && window.zerosToEnd(pos, size));
        boolean last = isLastSegment();
        FrameCheck.Stop stop = cleanEnd ? null : check.stop(pos, size, verdict, nextSeq, last);
        String name = segment.getFileName().toString();
        if (stop != null && !stop.torn()) {
            return new Problem(stop.kind(), name, pos, nextSeq, stop.why());
        }
        if (!last) {
            return new Problem(ProblemKind.MISSING_TRAILER, name, pos, nextSeq,
                    "segment ends without a trailer but a later segment follows it");
        }
        if (stop == null) {
            return null;
        }
        long zerosAt = fillable ? window.zerosFrom(pos, size) : size;
        return Problem.tornTail(name, pos, nextSeq, size - pos, size - zerosAt, null,
                "run '" + SuggestedCommand.recover(dir) + "' to cut them (they are backed up)");
    }

    /**
     * The records held back at {@link #pos}, a batch whose last record is not in the last segment: a torn
     * tail from its first record, or the damage after its records when they are followed by damage.
     */
    private Problem unfinishedBatch() throws IOException {
        FrameCheck.BatchRun run = check.batchRun(pos, size);
        long q = run.end();
        long seq = nextSeq + run.records();
        FrameVerdict v = check.at(q, size);
        String name = segment.getFileName().toString();
        boolean cleanEnd = v == FrameVerdict.END || (v == FrameVerdict.FILL && window.zerosToEnd(q, size));
        FrameCheck.Stop stop = cleanEnd ? null : check.stop(q, size, v, seq, true);
        if (stop != null && !stop.torn()) {
            return new Problem(stop.kind(), name, q, seq, stop.why());
        }
        long zerosAt = fillable ? window.zerosFrom(q, size) : size;
        return Problem.unfinishedBatch(name, pos, nextSeq, seq - 1, size - pos, size - zerosAt,
                stop != null ? stop.why() : null, "run '" + SuggestedCommand.recover(dir) + "' to cut them (they are"
                        + " backed up)");
    }

    /**
     * Past a trailer: its fields must match the records read, and the next segment must continue the log
     * ({@link SegmentLinks}). A trailer at the end of the last segment ends the log for now.
     */
    private boolean moveAfterTrailer() throws IOException {
        Trailer t = check.trailer(pos);
        if (t.lastSeq() != nextSeq - 1 || t.dataLength() != pos || t.recordCount() != t.lastSeq() - header.firstSeq() + 1
                || (chain != null && !Arrays.equals(chain, t.chainHead()))) {
            throw damage(ProblemKind.BAD_TRAILER, nextSeq - 1, "trailer says last seq " + t.lastSeq() + " and data"
                    + " length " + t.dataLength() + "; the records end at seq " + (nextSeq - 1) + ", offset " + pos);
        }
        Path next = dir.resolve(SegmentNames.name(nextSeq));
        // Listed after the look: the writer may have created the next segment, and more after it, in between.
        List<Path> later = Files.exists(next) ? List.of(next)
                : Segments.list(dir).stream().filter(s -> SegmentNames.firstSeq(s) >= nextSeq).toList();
        if (later.isEmpty()) {
            return false;
        }
        if (!later.get(0).getFileName().equals(next.getFileName())) {
            Path found = later.get(0);
            SegmentHeader h;
            try (FileChannel ch = FileChannel.open(found, StandardOpenOption.READ)) {
                h = SegmentScanner.readHeader(ch, found.getFileName().toString());
            }
            throw new LogFormatException(h.firstSeq() == nextSeq
                    ? new Problem(ProblemKind.BAD_SEGMENT_NAME, found.getFileName().toString(), 0, h.firstSeq(),
                            "file name says first seq " + SegmentNames.firstSeq(found) + ", header says " + h.firstSeq())
                    : new Problem(ProblemKind.SEQ_GAP, found.getFileName().toString(), 0, nextSeq, "segment "
                            + next.getFileName() + " is missing; the next segment is " + found.getFileName()),
                    fullReport());
        }
        SegmentLinks.Ends ends = new SegmentLinks.Ends(segment.getFileName().toString(), SegmentNames.firstSeq(segment),
                header, t, t.lastSeq(), t.chainHead(), pos);
        closeChannel();
        if (!openSegment(next)) {
            return false;
        }
        List<Problem> broken = SegmentLinks.after(ends).next(new SegmentLinks.Ends(next.getFileName().toString(),
                SegmentNames.firstSeq(next), header, null, 0, null, 0));
        if (!broken.isEmpty()) {
            throw new LogFormatException(broken.get(0), fullReport());
        }
        return true;
    }

    /**
     * A segment that stops without a trailer while a later segment exists was abandoned mid-write. The
     * writer seals a segment before it creates the next, so the end seen may be older than the later
     * segment: a trailer found when the end is read again means the segment was sealed meanwhile.
     */
    private void checkNotAbandoned() throws IOException {
        // A stat, not a listing: a follower asks at every poll. A segment followed by one that does not
        // start where it ends is told by leftover(), or by the walk that reaches the damage.
        Path next = dir.resolve(SegmentNames.name(nextSeq));
        if (Files.exists(next) && !next.equals(segment) && !sealedSince()) {
            throw damage(ProblemKind.MISSING_TRAILER, "segment ends without a trailer but " + next.getFileName()
                    + " follows it");
        }
    }

    private boolean sealedSince() throws IOException {
        readEndAfresh();
        return check.at(pos, size) == FrameVerdict.TRAILER;
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
        if (holding.equals(segments.get(0)) && SegmentNames.firstSeq(holding) != 1) {
            throw new LogFormatException(new Problem(ProblemKind.SEQ_GAP, holding.getFileName().toString(), 0, 1,
                    "the log starts at seq " + SegmentNames.firstSeq(holding) + ", not 1 (a segment is missing)"),
                    fullReport());
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
                    posSeq = 0;
                }
            }
        }
        return true;
    }

    private boolean openSegment(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        SegmentHeader header;
        try {
            if (Segments.beingCreated(file)) {
                ch.close();
                return false;
            }
            header = SegmentScanner.readHeader(ch, file.getFileName().toString());
        } catch (LogFormatException e) {
            ch.close();
            Problem p = e.problem();
            throw new LogFormatException(new Problem(p.kind(), file.getFileName().toString(), 0,
                    SegmentNames.firstSeq(file), p.message()), fullReport());
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        channel = ch;
        size = ch.size();
        fillable = header.mayHaveFill();
        segment = file;
        this.header = header;
        window = window == null ? new SegmentWindow(ch, SegmentWindow.DEFAULT_CAPACITY) : window.moveTo(ch);
        if (check == null) {
            check = new FrameCheck(window, header);
        } else {
            check.moveTo(window, header);
        }
        pos = SegmentHeader.LENGTH;
        posSeq = header.firstSeq();
        batchEndsAt = 0;
        if (header.firstSeq() > nextSeq) {
            nextSeq = header.firstSeq();
        }
        chain = header.firstSeq() == nextSeq ? header.prevChain() : null;
        return true;
    }

    private LogFormatException damage(ProblemKind kind, String message) {
        return damage(kind, nextSeq, message);
    }

    private LogFormatException damage(ProblemKind kind, long seq, String message) {
        return new LogFormatException(new Problem(kind, segment.getFileName().toString(), pos, seq, message),
                fullReport());
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

    /** What to run for the whole account of damage this cursor stopped at. */
    private String fullReport() {
        return "run '" + SuggestedCommand.verify(dir) + "' for the full report";
    }
}
