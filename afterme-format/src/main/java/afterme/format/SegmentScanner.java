package afterme.format;

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
     * ({@code offset + length} bytes are done).
     */
    @FunctionalInterface
    public interface FrameListener {
        void frame(long seq, long epochNanos, long offset, int length);
    }

    private SegmentScanner() {
    }

    public static SegmentScan scan(Path file, boolean verifyHashes) throws IOException {
        return scan(file, verifyHashes, null, null);
    }

    /**
     * @param verifyHashes also check each payload's SHA-256 (the chain and CRC are always checked)
     * @param sink         null to skip decoding records
     */
    public static SegmentScan scan(Path file, boolean verifyHashes, RecordSink sink, FrameListener frames)
            throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Walk(file, ch, ch.size(), verifyHashes, sink, frames).run();
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
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Walk walk = new Walk(file, ch, ch.size(), verifyHashes, null,
                    (seq, nanos, offset, length) -> progress.accept(offset + length));
            walk.parallelism = threads;
            walk.parallelMinBytes = minBytes;
            return walk.run();
        }
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
        private final CRC32C crc = new CRC32C();
        private final MessageDigest md = Hashes.newSha256();
        private final List<Problem> problems = new ArrayList<>();
        /** Threads that may check the bulk of the segment first; 1 walks alone. */
        private int parallelism = 1;
        private long parallelMinBytes = ValidPrefix.MIN_BYTES;

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
            SegmentHeader header;
            try {
                header = SegmentHeader.decode(head, headerBytes, name);
            } catch (LogFormatException e) {
                // A segment's header is synced before any record is written to it, so a file no longer than
                // a header with a bad one holds no record: it is a segment whose creation a crash cut short.
                if (size <= SegmentHeader.LENGTH && !isSealedHeader(head)) {
                    problems.add(new Problem(ProblemKind.TORN_TAIL, name, 0, 0,
                            "half-created segment: " + size + " bytes and no valid header"));
                    return result(null, SegmentScan.End.TORN_HEADER, 0, 0, 0, 0, 0, new byte[32], null);
                }
                problems.add(e.problem());
                return result(null, SegmentScan.End.BAD_HEADER, 0, 0, 0, 0, 0, new byte[32], null);
            }
            if (SegmentNames.isSegment(file) && SegmentNames.firstSeq(file) != header.firstSeq()) {
                problems.add(new Problem(ProblemKind.BAD_SEGMENT_NAME, name, 0, header.firstSeq(),
                        "file name says first seq " + SegmentNames.firstSeq(file) + ", header says "
                                + header.firstSeq()));
            }
            long pos = SegmentHeader.LENGTH;
            long expected = header.firstSeq();
            long count = 0;
            long lastNanos = Long.MIN_VALUE;
            byte[] chain = header.prevChain().clone();
            ValidPrefix.End clean = problems.isEmpty() ? ValidPrefix.find(ch, size, header, verifyHashes, parallelism,
                    parallelMinBytes)
                    : null;
            if (clean != null) {
                pos = clean.pos();
                expected = clean.nextSeq();
                count = clean.count();
                lastNanos = clean.lastEpochNanos();
                chain = clean.chain().clone();
                if (frames != null) {
                    frames.frame(expected - 1, lastNanos, pos, 0);
                }
            }
            while (true) {
                if (pos == size) {
                    return result(header, endOf(SegmentScan.End.CLEAN), pos, pos, count, expected - 1, lastNanos,
                            chain, null);
                }
                if (header.mayHaveFill() && window.fillAt(pos, size)) {
                    if (window.zerosToEnd(pos, size)) {
                        return result(header, endOf(SegmentScan.End.CLEAN), pos, size, count, expected - 1,
                                lastNanos, chain, null);
                    }
                    return tornOrCorrupt(header, pos, expected, count, lastNanos, chain,
                            "the fill after the last record holds bytes other than zeros");
                }
                long inFile = size - pos;
                int avail = window.load(pos, RecordCodec.PREFIX, size);
                ByteBuffer b = window.buffer();
                int at = window.index(pos);
                if (avail >= 4 && b.getInt(at) == Trailer.MAGIC) {
                    if (inFile < Trailer.LENGTH) {
                        return tornOrCorrupt(header, pos, expected, count, lastNanos, chain, "trailer cut short");
                    }
                    window.load(pos, Trailer.LENGTH, size);
                    Trailer t = Trailer.tryDecode(window.buffer(), window.index(pos));
                    if (t == null) {
                        return tornOrCorrupt(header, pos, expected, count, lastNanos, chain, "trailer CRC32C mismatch");
                    }
                    checkTrailer(t, pos, expected - 1, count, chain);
                    long end = pos + Trailer.LENGTH;
                    if (end < size) {
                        problems.add(new Problem(ProblemKind.TORN_TAIL, name, end, expected,
                                (size - end) + " bytes after the trailer"));
                        return result(header, endOf(SegmentScan.End.TORN_TAIL), pos, end, count, expected - 1,
                                lastNanos, chain, t);
                    }
                    return result(header, endOf(SegmentScan.End.SEALED), pos, end, count, expected - 1, lastNanos,
                            chain, t);
                }
                int length = window.frameAt(pos, size, crc);
                if (length < 0) {
                    return tornOrCorrupt(header, pos, expected, count, lastNanos, chain,
                            length == RecordCodec.NEED_MORE ? "record runs past the end of the file"
                                    : "record fails its CRC32C or framing checks");
                }
                b = window.buffer();
                at = window.index(pos);
                long seq = RecordCodec.seqAt(b, at);
                if (seq != expected) {
                    problems.add(new Problem(ProblemKind.SEQ_GAP, name, pos, expected,
                            "found seq " + seq + " where seq " + expected + " belongs"));
                }
                if (!RecordCodec.chainFollows(b, at, chain, md)) {
                    problems.add(new Problem(ProblemKind.CHAIN_BREAK, name, pos, seq,
                            "chain hash does not follow from the previous record"));
                }
                if (verifyHashes && !RecordCodec.payloadHashMatches(b, at, md)) {
                    problems.add(new Problem(ProblemKind.BAD_HASH, name, pos, seq,
                            "payload does not match its SHA-256"));
                }
                lastNanos = RecordCodec.epochNanosAt(b, at);
                if (frames != null) {
                    frames.frame(seq, lastNanos, pos, length);
                }
                if (sink != null) {
                    sink.accept(RecordCodec.decode(b, at, name, pos));
                }
                chain = RecordCodec.storedChain(b, at);
                expected = seq + 1;
                count++;
                pos += length;
            }
        }

        /** A clean or sealed end still counts as corrupt when problems were found on the way. */
        private SegmentScan.End endOf(SegmentScan.End end) {
            boolean damaged = problems.stream().anyMatch(p -> p.kind() != ProblemKind.TORN_TAIL);
            return damaged ? SegmentScan.End.CORRUPT : end;
        }

        private void checkTrailer(Trailer t, long pos, long lastSeq, long count, byte[] chain) {
            List<String> wrong = new ArrayList<>();
            if (t.dataLength() != pos) {
                wrong.add("data length " + t.dataLength() + " != " + pos);
            }
            if (t.lastSeq() != lastSeq) {
                wrong.add("last seq " + t.lastSeq() + " != " + lastSeq);
            }
            if (t.recordCount() != count) {
                wrong.add("record count " + t.recordCount() + " != " + count);
            }
            if (!Arrays.equals(t.chainHead(), chain)) {
                wrong.add("chain head differs from the last record's chain");
            }
            if (!wrong.isEmpty()) {
                problems.add(new Problem(ProblemKind.BAD_TRAILER, name, pos, lastSeq, String.join("; ", wrong)));
            }
        }

        private SegmentScan tornOrCorrupt(SegmentHeader header, long pos, long expected, long count, long lastNanos,
                                          byte[] chain, String why) throws IOException {
            long next = window.nextFrame(pos + 1, size, size, crc, true);
            if (next >= 0) {
                problems.add(new Problem(ProblemKind.BAD_CHECKSUM, name, pos, expected,
                        why + "; valid data resumes at offset " + next));
                return result(header, SegmentScan.End.CORRUPT, pos, pos, count, expected - 1, lastNanos, chain, null);
            }
            long zeros = header.mayHaveFill() ? size - window.zerosFrom(pos, size) : 0;
            problems.add(Problem.tornTail(name, pos, expected, size - pos, zeros, why, null));
            return result(header, endOf(SegmentScan.End.TORN_TAIL), pos, pos, count, expected - 1, lastNanos, chain,
                    null);
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

        private SegmentScan result(SegmentHeader header, SegmentScan.End end, long dataEnd, long validEnd, long count,
                                   long lastSeq, long lastNanos, byte[] chain, Trailer trailer) {
            return new SegmentScan(file, header, end, size, dataEnd, validEnd, count, lastSeq, lastNanos, chain,
                    trailer, List.copyOf(problems));
        }
    }
}
