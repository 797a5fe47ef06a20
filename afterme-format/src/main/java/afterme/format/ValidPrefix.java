package afterme.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;

/**
 * Checks the bulk of a large segment on several cores. Every record stores the chain of its
 * predecessor's link, so a record's checks (CRC32C, seq, chain link, SHA-256) need only the record
 * before it: a segment cut at record boundaries can be checked piece by piece, in parallel.
 *
 * <p>This only ever proves a prefix clean: the caller resumes its ordinary sequential walk where the
 * prefix ends. Any doubt (a frame that does not look whole, a failed check, pieces that do not join)
 * gives up and lets the sequential walk find and report the problem exactly as it would have alone.
 */
final class ValidPrefix {
    /** Below this the threads cost more than they save. */
    static final long MIN_BYTES = 16L << 20;

    /** Where a proven-clean prefix ends and the walk's state there. */
    record End(long pos, long nextSeq, byte[] chain, long count, long lastEpochNanos) {
    }

    private record Piece(long start, long startPrevious, long end) {
    }

    private record Checked(long firstSeq, long lastSeq, long count, byte[] chain, long lastNanos) {
    }

    private ValidPrefix() {
    }

    /** The clean prefix of a segment whose header is valid, or null when there is none worth having. */
    static End find(FileChannel ch, long size, SegmentHeader header, boolean hashes, int threads, long minBytes)
            throws IOException {
        if (threads < 2 || size < minBytes) {
            return null;
        }
        List<Piece> pieces = cut(ch, size, threads, minBytes);
        if (pieces == null) {
            return null;
        }
        ExecutorService pool = Executors.newFixedThreadPool(pieces.size(), r -> {
            Thread t = new Thread(r, "afterme-verify");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Checked>> results = new ArrayList<>();
            for (Piece p : pieces) {
                results.add(pool.submit(() -> check(ch, size, header, p, hashes)));
            }
            long nextSeq = header.firstSeq();
            long count = 0;
            byte[] chain = header.prevChain();
            long lastNanos = Long.MIN_VALUE;
            for (Future<Checked> f : results) {
                Checked c = f.get();
                if (c == null || c.firstSeq() != nextSeq) {
                    return null;
                }
                nextSeq = c.lastSeq() + 1;
                count += c.count();
                chain = c.chain();
                lastNanos = c.lastNanos();
            }
            return new End(pieces.get(pieces.size() - 1).end(), nextSeq, chain, count, lastNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            return null;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Walks the frames' lengths only (no checks) to cut the segment into {@code threads} pieces at record
     * boundaries; stops at the first thing that is not plainly a whole record (the trailer, a torn or
     * damaged frame): the sequential walk deals with that.
     */
    private static List<Piece> cut(FileChannel ch, long size, int threads, long minBytes) throws IOException {
        SegmentWindow window = new SegmentWindow(ch, SegmentWindow.DEFAULT_CAPACITY);
        List<Long> starts = new ArrayList<>(List.of((long) SegmentHeader.LENGTH));
        List<Long> previous = new ArrayList<>(List.of(-1L));
        long step = size / threads;
        long pos = SegmentHeader.LENGTH;
        long last = -1;
        while (true) {
            int avail = window.load(pos, RecordCodec.PREFIX, size);
            if (avail < RecordCodec.PREFIX) {
                break;
            }
            ByteBuffer b = window.buffer();
            int at = window.index(pos);
            long length = Integer.toUnsignedLong(b.getInt(at + 8));
            if (b.getInt(at) != RecordCodec.MAGIC || length < RecordCodec.MIN_LENGTH || pos + length > size) {
                break;
            }
            if (pos >= starts.size() * step && starts.size() < threads) {
                starts.add(pos);
                previous.add(last);
            }
            last = pos;
            pos += length;
        }
        if (pos - SegmentHeader.LENGTH < minBytes || starts.size() < 2) {
            return null;
        }
        List<Piece> pieces = new ArrayList<>();
        for (int i = 0; i < starts.size(); i++) {
            long end = i + 1 < starts.size() ? starts.get(i + 1) : pos;
            pieces.add(new Piece(starts.get(i), previous.get(i), end));
        }
        return pieces;
    }

    /** Checks one piece fully; null at the first record that fails any check. */
    private static Checked check(FileChannel ch, long size, SegmentHeader header, Piece piece, boolean hashes)
            throws IOException {
        SegmentWindow window = new SegmentWindow(ch, SegmentWindow.DEFAULT_CAPACITY);
        CRC32C crc = new CRC32C();
        MessageDigest md = Hashes.newSha256();
        byte[] chain;
        if (piece.startPrevious() < 0) {
            chain = header.prevChain();
        } else {
            if (window.frameAt(piece.startPrevious(), size, crc) <= 0) {
                return null;
            }
            chain = RecordCodec.storedChain(window.buffer(), window.index(piece.startPrevious()));
        }
        long pos = piece.start();
        long firstSeq = -1;
        long seq = -1;
        long count = 0;
        long lastNanos = Long.MIN_VALUE;
        while (pos < piece.end()) {
            int length = window.frameAt(pos, size, crc);
            if (length <= 0) {
                return null;
            }
            ByteBuffer b = window.buffer();
            int at = window.index(pos);
            long s = RecordCodec.seqAt(b, at);
            if ((seq >= 0 && s != seq + 1) || !RecordCodec.chainFollows(b, at, chain, md)
                    || (hashes && !RecordCodec.payloadHashMatches(b, at, md))) {
                return null;
            }
            firstSeq = firstSeq < 0 ? s : firstSeq;
            seq = s;
            chain = RecordCodec.storedChain(b, at);
            lastNanos = RecordCodec.epochNanosAt(b, at);
            count++;
            pos += length;
        }
        return pos == piece.end() ? new Checked(firstSeq, seq, count, chain, lastNanos) : null;
    }
}
