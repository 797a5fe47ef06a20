package afterme.daemon.log;

import afterme.format.Hashes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One append handed to the writer: one record or an all-or-nothing batch. Built on the caller's thread
 * (which also hashes the payloads, so the writer does not); completed by the writer thread.
 *
 * <p>The {@link Ack} level decides only whether the writer hurries its fsync: {@link #written} completes at the {@code memory} ack, {@link #durable} at the {@code durable} ack;
 * both fail with the same {@link AppendException} if the append fails.
 */
public final class Append {
    static final byte[] NONE = new byte[0];
    private static final long NO_EXPECTATION = -1;

    /**
     * Each payload in pieces (see {@link afterme.format.RecordCodec#encode}); dropped by the writer once
     * written, so that acknowledged payloads do not wait in memory for an fsync.
     */
    private List<ByteBuffer[]> payloads;
    private final int[] sizes;
    final byte[][] sha256s;
    final byte[] contentType;
    final byte[] idempotencyKey;
    final long expectedLastSeq;
    final long totalBytes;
    final boolean durableAck;
    private final boolean batch;
    public final CompletableFuture<AppendResult> written = new CompletableFuture<>();
    public final CompletableFuture<AppendResult> durable = new CompletableFuture<>();

    /** @param sha256s the payloads' SHA-256s, in their order */
    private Append(List<ByteBuffer[]> payloads, byte[][] sha256s, String contentType, String idempotencyKey,
                   long expectedLastSeq, boolean durableAck, boolean batch) {
        if (payloads.isEmpty()) {
            throw new IllegalArgumentException("an append carries at least one record");
        }
        this.payloads = payloads;
        this.sha256s = sha256s;
        this.sizes = new int[payloads.size()];
        long bytes = 0;
        for (int i = 0; i < payloads.size(); i++) {
            for (ByteBuffer piece : payloads.get(i)) {
                sizes[i] = Math.addExact(sizes[i], piece.remaining());
            }
            bytes += sizes[i];
        }
        this.totalBytes = bytes;
        this.contentType = contentType == null ? NONE : contentType.getBytes(StandardCharsets.US_ASCII);
        this.idempotencyKey = idempotencyKey == null ? NONE : idempotencyKey.getBytes(StandardCharsets.UTF_8);
        this.expectedLastSeq = expectedLastSeq;
        this.durableAck = durableAck;
        this.batch = batch;
    }

    public static Append of(byte[] payload, Ack ack) {
        return new Append(List.<ByteBuffer[]>of(pieceOf(payload)), new byte[][] {Hashes.sha256(payload)}, null, null,
                NO_EXPECTATION, ack == Ack.DURABLE, false);
    }

    /**
     * One record held in pieces, whose SHA-256 the caller has already computed (the HTTP side has it from
     * checking a Content-Digest, or computes it there); the other parameters as in
     * {@link #of(List, String, String, long, Ack, boolean)}. The caller must leave the pieces alone until
     * {@link #written} completes, whether it succeeds or fails: the writer reads them until then.
     */
    public static Append of(ByteBuffer[] payload, byte[] sha256, String contentType, String idempotencyKey,
                            long expectedLastSeq, Ack ack) {
        if (sha256.length != Hashes.SHA256_BYTES) {
            throw new IllegalArgumentException("a SHA-256 is 32 bytes, not " + sha256.length);
        }
        return new Append(List.<ByteBuffer[]>of(payload.clone()), new byte[][] {sha256}, contentType, idempotencyKey,
                expectedLastSeq < 0 ? NO_EXPECTATION : expectedLastSeq, ack == Ack.DURABLE, false);
    }

    /**
     * @param contentType     null for none
     * @param idempotencyKey  null for none
     * @param expectedLastSeq negative for no expectation
     */
    public static Append of(List<byte[]> payloads, String contentType, String idempotencyKey, long expectedLastSeq,
                            Ack ack) {
        return of(payloads, contentType, idempotencyKey, expectedLastSeq, ack, payloads.size() > 1);
    }

    /** @param batch whether the caller asked for a batch (its reply names first and last seq even for one record) */
    public static Append of(List<byte[]> payloads, String contentType, String idempotencyKey, long expectedLastSeq,
                            Ack ack, boolean batch) {
        List<ByteBuffer[]> pieces = new ArrayList<>(payloads.size());
        byte[][] sha256s = new byte[payloads.size()][];
        for (int i = 0; i < sha256s.length; i++) {
            pieces.add(pieceOf(payloads.get(i)));
            sha256s[i] = Hashes.sha256(payloads.get(i));
        }
        return new Append(pieces, sha256s, contentType, idempotencyKey,
                expectedLastSeq < 0 ? NO_EXPECTATION : expectedLastSeq, ack == Ack.DURABLE, batch);
    }

    public boolean batch() {
        return batch;
    }

    public int count() {
        return sizes.length;
    }

    public int size(int index) {
        return sizes[index];
    }

    private static ByteBuffer[] pieceOf(byte[] payload) {
        return new ByteBuffer[] {ByteBuffer.wrap(payload)};
    }

    /** The payloads, for the writer; null once written. */
    List<ByteBuffer[]> payloads() {
        return payloads;
    }

    void releasePayloads() {
        payloads = null;
    }

    public byte[] sha256(int index) {
        return sha256s[index].clone();
    }

    boolean hasExpectation() {
        return expectedLastSeq != NO_EXPECTATION;
    }

    void fail(AppendException e) {
        written.completeExceptionally(e);
        durable.completeExceptionally(e);
    }
}
