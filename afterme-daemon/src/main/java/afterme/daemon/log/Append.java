package afterme.daemon.log;

import afterme.format.Hashes;
import java.nio.charset.StandardCharsets;
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

    /** Dropped by the writer once written, so that acknowledged payloads do not wait in memory for an fsync. */
    private List<byte[]> payloads;
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
    private Append(List<byte[]> payloads, byte[][] sha256s, String contentType, String idempotencyKey,
                   long expectedLastSeq, boolean durableAck, boolean batch) {
        if (payloads.isEmpty()) {
            throw new IllegalArgumentException("an append carries at least one record");
        }
        this.payloads = payloads;
        this.sha256s = sha256s;
        this.sizes = new int[payloads.size()];
        long bytes = 0;
        for (int i = 0; i < payloads.size(); i++) {
            sizes[i] = payloads.get(i).length;
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
        return new Append(List.of(payload), new byte[][] {Hashes.sha256(payload)}, null, null, NO_EXPECTATION,
                ack == Ack.DURABLE, false);
    }

    /**
     * One record whose SHA-256 the caller has already computed (the HTTP side has it from checking a
     * Content-Digest, or computes it there); the other parameters as in
     * {@link #of(List, String, String, long, Ack, boolean)}.
     */
    public static Append of(byte[] payload, byte[] sha256, String contentType, String idempotencyKey,
                            long expectedLastSeq, Ack ack) {
        if (sha256.length != Hashes.SHA256_BYTES) {
            throw new IllegalArgumentException("a SHA-256 is 32 bytes, not " + sha256.length);
        }
        return new Append(List.of(payload), new byte[][] {sha256}, contentType, idempotencyKey,
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
        List<byte[]> copy = List.copyOf(payloads);
        byte[][] sha256s = new byte[copy.size()][];
        for (int i = 0; i < sha256s.length; i++) {
            sha256s[i] = Hashes.sha256(copy.get(i));
        }
        return new Append(copy, sha256s, contentType, idempotencyKey,
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

    /** The payloads, for the writer; null once written. */
    List<byte[]> payloads() {
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
