package afterme.format;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * Walks a whole segment and classifies its end (FORMAT.md, "Finding the end of valid data").
 *
 * <p>The line between a torn tail and corruption is drawn as in LevelDB: a record that fails its
 * checks is a torn tail when no valid record or trailer starts anywhere after it (the writer died
 * mid-write), and corruption when one does (damage in the middle of data that was written whole).
 * A failed frame ends the walk: its length field may itself be damaged and point at bytes that only
 * look like a record. Not thread-safe; each call opens its own channel.
 */
public final class SegmentScanner {

    /** Receives each valid record, in order. */
    @FunctionalInterface
    public interface RecordSink {
        void accept(LogRecord record) throws IOException;
    }

    /**
     * Receives each valid frame without decoding it: enough to build an index or draw a progress bar
     * ({@code offset + length} bytes are done), or to find where a batch starts.
     */
    @FunctionalInterface
    public interface FrameListener {
        /** @param batchGoesOn more records of the same batch follow this one (format version 4, type 3) */
        void frame(long seq, long epochNanos, long offset, int length, boolean batchGoesOn);
    }

    private SegmentScanner() {
    }

    /** A walk of the whole segment; of the live one, see {@link #againIfSealed}. */
    public static SegmentScan scan(Path file, boolean verifyHashes) throws IOException {
        return againIfSealed(() -> scan(file, verifyHashes, null, null));
    }

    /** A walk that hands no record on, so that it can start over. */
    @FunctionalInterface
    private interface Rewalk {
        SegmentScan walk() throws IOException;
    }

    /**
     * Sealing cuts the active segment's fill off (FORMAT.md, "Sealing"): a walk of the last segment of a
     * live log can find the file shorter than it was when the walk began. It walks the sealed file again,
     * which no seal shrinks twice.
     */
    private static SegmentScan againIfSealed(Rewalk rewalk) throws IOException {
        try {
            return rewalk.walk();
        } catch (EOFException e) {
            return rewalk.walk();
        }
    }

    /**
     * @param verifyHashes also check each payload's SHA-256 (the chain and CRC are always checked)
     * @param sink         given each record up to the first problem; null to skip decoding records
     */
    public static SegmentScan scan(Path file, boolean verifyHashes, RecordSink sink, FrameListener frames)
            throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Walk(file, ch, ch.size(), verifyHashes, sink, frames).run();
        }
    }

    /**
     * Like {@link #scan}, but the sink is given every record that proves itself (its CRC32C, seq, chain
     * link and SHA-256 hold), past damage too: {@code afterme dump --salvage}.
     */
    public static SegmentScan salvage(Path file, RecordSink sink) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Walk walk = new Walk(file, ch, ch.size(), true, sink, null);
            walk.salvage = true;
            return walk.run();
        }
    }

    /**
     * The walk of {@code afterme verify}: like {@link #scan} without decoding records, but the bulk of a
     * large segment is checked on all cores first (see {@link ValidPrefix}); the result is the same.
     *
     * @param progress told how many bytes of the segment are checked
     */
    public static SegmentScan verify(Path file, boolean verifyHashes, LongConsumer progress)
            throws IOException {
        return verify(file, verifyHashes, progress, Runtime.getRuntime().availableProcessors(), ValidPrefix.MIN_BYTES);
    }

    /** {@link #verify} with the threads and the smallest segment worth them given (tests use small ones). */
    static SegmentScan verify(Path file, boolean verifyHashes, LongConsumer progress, int threads,
                              long minBytes) throws IOException {
        return againIfSealed(() -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                Walk walk = new Walk(file, ch, ch.size(), verifyHashes, null,
                        (seq, nanos, offset, length, goesOn) -> progress.accept(offset + length));
                walk.parallelism = threads;
                walk.parallelMinBytes = minBytes;
                return walk.run();
            }
        });
    }

    /**
     * A sealed segment as start-up checks it: by its header and trailer alone, never read whole. When
     * either fails, the segment is walked like any other, so that start-up reports what verify reports.
     * The scan's {@code lastEpochNanos} is unknown (Long.MIN_VALUE) for a segment checked this way.
     */
    public static SegmentScan ends(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            String name = file.getFileName().toString();
            SegmentHeader header = readHeader(ch, name);
            Trailer t = readTrailer(ch);
            boolean counted = t != null && t.recordCount() == t.lastSeq() - header.firstSeq() + 1;
            if (counted && (!SegmentNames.isSegment(file) || SegmentNames.firstSeq(file) == header.firstSeq())) {
                long size = ch.size();
                return new SegmentScan(file, header, SegmentScan.End.SEALED, size, t.dataLength(), size,
                        t.recordCount(), t.lastSeq(), Long.MIN_VALUE, t.chainHead(), t, List.of());
            }
        } catch (LogFormatException e) {
            // walked below, which reports the header's problem as verify does
        }
        return scan(file, true);
    }

    /** Reads and decodes only a segment's header. */
    public static SegmentHeader readHeader(FileChannel ch, String name) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SegmentHeader.LENGTH);
        while (b.hasRemaining() && ch.read(b, b.position()) >= 0) {
            // keep reading: a positional read may return fewer bytes than asked
        }
        return SegmentHeader.decode(b.array(), b.position(), name);
    }

    /** The trailer of a segment file, or null when it is not sealed. */
    public static Trailer readTrailerOf(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readTrailer(ch);
        }
    }

    /** Reads the trailer at the end of a file, or null when the last 64 bytes are not a valid trailer. */
    public static Trailer readTrailer(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < SegmentHeader.LENGTH + Trailer.LENGTH) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(Trailer.LENGTH);
        while (b.hasRemaining() && ch.read(b, size - Trailer.LENGTH + b.position()) >= 0) {
            // keep reading
        }
        if (b.hasRemaining()) {
            return null;
        }
        Trailer t = Trailer.tryDecode(b, 0);
        return t != null && t.dataLength() == size - Trailer.LENGTH ? t : null;
    }

    private static final class Walk {
        private final Path file;
        private final String name;
        private final FileChannel ch;
        private final long size;
        private final boolean verifyHashes;
        private final RecordSink sink;
        private final FrameListener frames;
        private final SegmentWindow window;
        private final MessageDigest md = Hashes.newSha256();
        private final List<Problem> problems = new ArrayList<>();
        /** Threads that may check the bulk of the segment first; 1 walks alone. */
        private int parallelism = 1;
        private long parallelMinBytes = ValidPrefix.MIN_BYTES;
        /** Hand the sink every record that proves itself, past damage too ({@code dump --salvage}). */
        private boolean salvage;
        private FrameCheck check;
        private SegmentHeader header;
        private long pos;
        private long expected;
        private long count;
        private long lastNanos = Long.MIN_VALUE;
        /** The last record's chain; null right after damage, where it is not known. */
        private byte[] chain;
        /**
         * Where the walk stood after the last record that ended its batch (or at the header): the records
         * after it belong to a batch not yet ended, which a segment's end turns into a torn tail from here.
         * Kept in fields, not an object for each record, which cost verify a tenth of its time ({@link
         * ValidPrefix}).
         */
        private long batchEndPos;
        private long batchEndCount;
        private long batchEndNanos;
        private byte[] batchEndChain;
        /**
         * Up to where the sink is given records: past the end of a batch once it is found to end (or to be
         * followed by damage, which the walk reports after them), -1 while the records belong to a batch that
         * a torn tail cuts.
         */
        private long givenTo;

        Walk(Path file, FileChannel ch, long size, boolean verifyHashes, RecordSink sink, FrameListener frames) {
            this.file = file;
            this.name = file.getFileName().toString();
            this.ch = ch;
            this.size = size;
            this.verifyHashes = verifyHashes;
            this.sink = sink;
            this.frames = frames;
            this.window = new SegmentWindow(ch, SegmentWindow.DEFAULT_CAPACITY);
        }

        SegmentScan run() throws IOException {
            int headerBytes = window.load(0, SegmentHeader.LENGTH, size);
            byte[] head = new byte[headerBytes];
            window.buffer().get(0, head);
            try {
                header = SegmentHeader.decode(head, headerBytes, name);
            } catch (LogFormatException e) {
                // A segment's header is synced before any record is written to it, so a file no longer than
                // a header with a bad one holds no record: it is a segment whose creation a crash cut short.
                if (size <= SegmentHeader.LENGTH && !isSealedHeader(head)) {
                    problems.add(new Problem(ProblemKind.TORN_TAIL, name, 0, 0,
                            "half-created segment: " + size + " bytes and no valid header"));
                    return result(SegmentScan.End.TORN_HEADER, 0, 0, null);
                }
                Problem p = e.problem();
                problems.add(new Problem(p.kind(), name, 0, SegmentNames.isSegment(file) ? SegmentNames.firstSeq(file)
                        : 0, p.message()));
                return result(SegmentScan.End.BAD_HEADER, 0, 0, null);
            }
            if (SegmentNames.isSegment(file) && SegmentNames.firstSeq(file) != header.firstSeq()) {
                problems.add(new Problem(ProblemKind.BAD_SEGMENT_NAME, name, 0, header.firstSeq(),
                        "file name says first seq " + SegmentNames.firstSeq(file) + ", header says "
                                + header.firstSeq()));
            }
            check = new FrameCheck(window, header);
            pos = SegmentHeader.LENGTH;
            expected = header.firstSeq();
            chain = header.prevChain().clone();
            batchEnded();
            ValidPrefix.Proven clean = problems.isEmpty() ? ValidPrefix.find(ch, size, header, verifyHashes,
                    parallelism, parallelMinBytes)
                    : null;
            if (clean != null) {
                ValidPrefix.End end = clean.end();
                pos = end.pos();
                expected = end.nextSeq();
                count = end.count();
                lastNanos = end.lastEpochNanos();
                chain = end.chain().clone();
                ValidPrefix.End batch = clean.batchEnd();
                batchEndPos = batch.pos();
                batchEndCount = batch.count();
                batchEndNanos = batch.lastEpochNanos();
                batchEndChain = batch.chain();
                if (frames != null) {
                    frames.frame(expected - 1, lastNanos, pos, 0, batchEndPos < pos);
                }
            }
            while (true) {
                FrameVerdict verdict = check.at(pos, size);
                switch (verdict) {
                    case END:
                        return batchUnfinished(null) ? unfinished(null) : result(SegmentScan.End.CLEAN, pos, pos, null);
                    case FILL:
                        if (window.zerosToEnd(pos, size)) {
                            return batchUnfinished(null) ? unfinished(null)
                                    : result(SegmentScan.End.CLEAN, pos, size, null);
                        }
                        break;
                    case TRAILER:
                        return sealed(check.trailer(pos));
                    case RECORD:
                        record(check.length(pos));
                        continue;
                    default:
                        break;
                }
                SegmentScan end = stop(verdict);
                if (end != null) {
                    return end;
                }
            }
        }

        private void record(int length) throws IOException {
            ByteBuffer b = window.buffer();
            int at = window.index(pos);
            long seq = RecordCodec.seqAt(b, at);
            int before = problems.size();
            if (seq != expected) {
                problems.add(new Problem(ProblemKind.SEQ_GAP, name, pos, expected,
                        "found seq " + seq + " where seq " + expected + " belongs"));
            }
            if (chain != null && !RecordCodec.chainFollows(b, at, chain, md)) {
                problems.add(new Problem(ProblemKind.CHAIN_BREAK, name, pos, seq,
                        "chain hash does not follow from the previous record"));
            }
            if (verifyHashes && !RecordCodec.payloadHashMatches(b, at, md)) {
                problems.add(new Problem(ProblemKind.BAD_HASH, name, pos, seq, "payload does not match its SHA-256"));
            }
            lastNanos = RecordCodec.epochNanosAt(b, at);
            boolean goesOn = RecordCodec.batchGoesOnAt(b, at);
            if (frames != null) {
                frames.frame(seq, lastNanos, pos, length, goesOn);
            }
            boolean proven = problems.size() == before;
            if (sink != null && proven && (salvage || before == 0)) {
                if (goesOn && !salvage && givenTo >= 0 && pos >= givenTo) {
                    givenTo = batchGivenTo(pos + length, seq + 1);
                    // The walk ahead moved the window: bring the record back into it.
                    check.at(pos, size);
                    b = window.buffer();
                    at = window.index(pos);
                }
                if (salvage || givenTo >= 0) {
                    sink.accept(RecordCodec.decode(b, at, name, pos));
                }
            }
            chain = RecordCodec.storedChain(b, at);
            expected = seq + 1;
            count++;
            pos += length;
            if (!goesOn) {
                batchEnded();
            }
        }

        /** The walk stands where a batch ended (or before any record). */
        private void batchEnded() {
            batchEndPos = pos;
            batchEndCount = count;
            batchEndNanos = lastNanos;
            batchEndChain = chain;
        }

        /**
         * Where the records to give the sink end, for the batch that goes on at {@code from}, where seq
         * {@code seq} belongs: after the record that ends it, or where damage follows its records; -1 when its
         * records end in a torn tail (the clean end of the segment included), which cuts them, so that no
         * reader is given a part of a batch. Walks ahead once per batch rather than holding its records, which
         * may be millions.
         */
        private long batchGivenTo(long from, long seq) throws IOException {
            FrameCheck.BatchRun run = check.batchRun(from, size);
            if (run.ended()) {
                return run.end();
            }
            long to = run.end();
            FrameVerdict v = check.at(to, size);
            if (v == FrameVerdict.TRAILER) {
                return to;
            }
            boolean clean = v == FrameVerdict.END || (v == FrameVerdict.FILL && window.zerosToEnd(to, size));
            return clean || check.stop(to, size, v, seq + run.records(), Segments.isLast(file)).torn() ? -1 : to;
        }

        /**
         * Whether the segment's records end inside a batch: its last record says more follow, and none do. A
         * batch is written whole or cut whole, so what was written of it is a torn tail; after damage the walk
         * no longer knows where batches end, and reports the damage alone.
         */
        private boolean batchUnfinished(FrameCheck.Stop stop) {
            return batchEndPos < pos && problems.isEmpty() && (stop == null || stop.torn());
        }

        /**
         * The torn tail of a batch that its last record never reached: from the batch's first record to the
         * end of the file, the stop's bytes ({@code stop}, null at a clean end) with them.
         */
        private SegmentScan unfinished(FrameCheck.Stop stop) throws IOException {
            long stopAt = pos;
            long zeros = header.mayHaveFill() ? size - window.zerosFrom(stopAt, size) : 0;
            long last = expected - 1;
            long first = last - (count - batchEndCount) + 1;
            pos = batchEndPos;
            expected = first;
            count = batchEndCount;
            chain = batchEndChain;
            lastNanos = batchEndNanos;
            problems.add(Problem.unfinishedBatch(name, pos, first, last, size - pos, zeros,
                    stop != null ? stop.why() : null, null));
            return result(SegmentScan.End.TORN_TAIL, pos, pos, null);
        }

        /**
         * The walk stopped on a frame that fails its checks: a torn tail ends the segment; damage is reported
         * alone, and when valid data resumes after it the walk goes on from there (the records in between are
         * counted as lost), so that the rest of the segment is still checked against its own links and
         * trailer. Returns the scan when the segment ends here, null when the walk resumes.
         */
        private SegmentScan stop(FrameVerdict verdict) throws IOException {
            FrameCheck.Stop stop = check.stop(pos, size, verdict, expected, Segments.isLast(file));
            if (batchUnfinished(stop)) {
                return unfinished(stop);
            }
            if (stop.torn()) {
                long zeros = header.mayHaveFill() ? size - window.zerosFrom(pos, size) : 0;
                problems.add(Problem.tornTail(name, pos, expected, size - pos, zeros, stop.why(), null));
                return result(SegmentScan.End.TORN_TAIL, pos, pos, null);
            }
            if (stop.resumesAt() < 0) {
                problems.add(new Problem(stop.kind(), name, pos, expected, stop.why()));
                return result(SegmentScan.End.CORRUPT, pos, pos, null);
            }
            long damagedAt = pos;
            long damagedSeq = expected;
            pos = stop.resumesAt();
            String lost = "";
            if (check.at(pos, size) == FrameVerdict.RECORD) {
                long resumed = RecordCodec.seqAt(window.buffer(), window.index(pos));
                if (resumed > expected) {
                    // What a reader that skips the damage goes without, in the unit users think in.
                    lost = "; seq " + expected + (resumed - expected == 1 ? "" : " to " + (resumed - 1))
                            + " cannot be read";
                    count += resumed - expected;
                    expected = resumed;
                }
            }
            problems.add(new Problem(stop.kind(), name, damagedAt, damagedSeq, stop.why() + lost));
            chain = null;
            return null;
        }

        /** A trailer: its fields must match the records before it, and it must end the file. */
        private SegmentScan sealed(Trailer t) {
            if (batchEndPos < pos && problems.isEmpty()) {
                problems.add(new Problem(ProblemKind.BAD_TRAILER, name, pos, expected - 1, "the record before the"
                        + " trailer says more of its batch follow, and a batch never spans two segments"));
            }
            if (chain == null && t.lastSeq() >= expected) {
                // Damage just before the trailer: the records it lost are the trailer's to count.
                count += t.lastSeq() - expected + 1;
                expected = t.lastSeq() + 1;
            }
            checkTrailer(t, pos, expected - 1, count, chain);
            chain = chain != null ? chain : t.chainHead();
            long end = pos + Trailer.LENGTH;
            if (end < size) {
                problems.add(new Problem(ProblemKind.TORN_TAIL, name, end, expected, (size - end)
                        + " bytes after the trailer; the trailer proves the segment's records complete, so cutting"
                        + " them loses nothing"));
                return result(SegmentScan.End.TORN_TAIL, pos, end, t);
            }
            return result(SegmentScan.End.SEALED, pos, end, t);
        }

        private void checkTrailer(Trailer t, long at, long lastSeq, long records, byte[] lastChain) {
            List<String> wrong = new ArrayList<>();
            if (t.dataLength() != at) {
                wrong.add("data length " + t.dataLength() + " != " + at);
            }
            if (t.lastSeq() != lastSeq) {
                wrong.add("last seq " + t.lastSeq() + " != " + lastSeq);
            }
            if (t.recordCount() != records) {
                wrong.add("record count " + t.recordCount() + " != " + records);
            }
            if (lastChain != null && !Arrays.equals(t.chainHead(), lastChain)) {
                wrong.add("chain head differs from the last record's chain");
            }
            if (!wrong.isEmpty()) {
                problems.add(new Problem(ProblemKind.BAD_TRAILER, name, at, lastSeq, String.join("; ", wrong)));
            }
        }

        /** A complete header whose CRC holds (whatever its version): written whole, so not half-created. */
        private static boolean isSealedHeader(byte[] head) {
            if (head.length < SegmentHeader.LENGTH) {
                return false;
            }
            CRC32C c = new CRC32C();
            c.update(head, 0, SegmentHeader.LENGTH - 4);
            return (int) c.getValue() == ByteBuffer.wrap(head).getInt(SegmentHeader.LENGTH - 4);
        }

        /** A clean, sealed or torn end still counts as corrupt when other problems were found on the way. */
        private SegmentScan result(SegmentScan.End end, long dataEnd, long validEnd, Trailer trailer) {
            boolean damaged = problems.stream().anyMatch(p -> p.kind() != ProblemKind.TORN_TAIL);
            SegmentScan.End e = damaged && end != SegmentScan.End.BAD_HEADER ? SegmentScan.End.CORRUPT : end;
            byte[] head = chain != null ? chain : new byte[Hashes.SHA256_BYTES];
            return new SegmentScan(file, header, e, size, dataEnd, validEnd, count, header == null ? 0 : expected - 1,
                    lastNanos, head, trailer, List.copyOf(problems));
        }
    }
}
