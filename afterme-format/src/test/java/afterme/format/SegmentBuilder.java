package afterme.format;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;

/** Builds segment bytes with the real codec, for tests that then damage them. */
final class SegmentBuilder {
    final UUID logId;
    final long firstSeq;
    final byte[] prevChain;
    private final ByteBuffer buf = ByteBuffer.allocate(64 << 20);
    private final byte[] chain;
    private final MessageDigest md = Hashes.newSha256();
    private final CRC32C crc = new CRC32C();
    final List<Long> offsets = new ArrayList<>();
    private final int version;
    private final SegmentHeader header;
    /** Whether the records added say that more of their batch follow. */
    private boolean batchGoesOn;
    private long seq;
    private long count;
    /** The sync mark the next record carries; by default each record says the one before it was synced. */
    private long syncMark = -1;

    SegmentBuilder(UUID logId, long firstSeq, byte[] prevChain) {
        this(SegmentHeader.VERSION, logId, firstSeq, prevChain);
    }

    SegmentBuilder(int version, UUID logId, long firstSeq, byte[] prevChain) {
        this.version = version;
        this.logId = logId;
        this.firstSeq = firstSeq;
        this.prevChain = prevChain.clone();
        this.chain = prevChain.clone();
        this.seq = firstSeq;
        this.header = new SegmentHeader(version, logId, firstSeq, prevChain.clone());
        buf.put(header.encode());
    }

    SegmentBuilder() {
        this(new UUID(1, 2), 1, new byte[32]);
    }

    /** A segment of format version 1, which has no fill. */
    static SegmentBuilder version1() {
        return new SegmentBuilder(1, new UUID(1, 2), 1, new byte[32]);
    }

    SegmentBuilder add(byte[] payload) {
        return add(payload, "Europe/Berlin", null, null, 1_764_000_000L + seq);
    }

    SegmentBuilder add(byte[] payload, String zone, String contentType, String key, long epochSecond) {
        offsets.add((long) buf.position());
        long mark = version < 3 ? -1 : syncMark >= 0 ? syncMark : seq - 1;
        RecordCodec.encode(buf, header.recordType(batchGoesOn), seq++, epochSecond, 123_456_789, zone.getBytes(StandardCharsets.US_ASCII),
                contentType == null ? new byte[0] : contentType.getBytes(StandardCharsets.US_ASCII),
                key == null ? new byte[0] : key.getBytes(StandardCharsets.UTF_8), Hashes.sha256(payload),
                new ByteBuffer[] {ByteBuffer.wrap(payload)}, chain, mark, md, crc);
        count++;
        return this;
    }

    /** The records added from now on say that an fsync had covered seq {@code mark}, and no more. */
    SegmentBuilder syncedUpTo(long mark) {
        syncMark = mark;
        return this;
    }

    /** The payloads as one batch: every record but the last says that more follow. */
    SegmentBuilder addBatch(String... payloads) {
        addOpenBatch(Arrays.copyOf(payloads, payloads.length - 1));
        return addText(payloads[payloads.length - 1]);
    }

    /** The start of a batch whose last record is never written: every record says that more follow. */
    SegmentBuilder addOpenBatch(String... payloads) {
        batchGoesOn = true;
        addText(payloads);
        batchGoesOn = false;
        return this;
    }

    SegmentBuilder addText(String... payloads) {
        for (String p : payloads) {
            add(p.getBytes(StandardCharsets.UTF_8));
        }
        return this;
    }

    SegmentBuilder seal() {
        buf.put(new Trailer(seq - 1, count, chain.clone(), buf.position()).encode());
        return this;
    }

    long nextSeq() {
        return seq;
    }

    byte[] chain() {
        return chain.clone();
    }

    byte[] bytes() {
        return Arrays.copyOf(buf.array(), buf.position());
    }
}
