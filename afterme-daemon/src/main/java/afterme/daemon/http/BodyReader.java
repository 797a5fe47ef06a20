package afterme.daemon.http;

import afterme.format.Hashes;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body asynchronously and refuses it with 413 as soon as it passes its limit, whether
 * or not a Content-Length announced it (chunked bodies are counted as they stream).
 */
final class BodyReader implements Runnable {
    /**
     * A whole body, in one array or in pooled pieces off the heap, and its SHA-256, computed once when
     * first asked for: the Content-Digest check and the record's hash share it (a MiB costs 0.7 ms to hash
     * here).
     */
    static final class Body {
        /** The body as one array; null when it is held in pieces. */
        private final byte[] bytes;
        private final ByteBuffer[] pieces;
        /** Where the pieces go back; null for an array. */
        private final BodyPieces pool;
        private byte[] sha256;

        private Body(byte[] bytes, ByteBuffer[] pieces, BodyPieces pool) {
            this.bytes = bytes;
            this.pieces = pieces;
            this.pool = pool;
        }

        /** The body as one array; only for a body that was not read into pieces. */
        byte[] bytes() {
            if (bytes == null) {
                throw new IllegalStateException("this body is held in pieces");
            }
            return bytes;
        }

        /** The body in pieces, each from its position to its limit. */
        ByteBuffer[] pieces() {
            return pieces;
        }

        byte[] sha256() {
            if (sha256 == null) {
                sha256 = bytes != null ? Hashes.sha256(bytes) : Hashes.sha256(pieces);
            }
            return sha256;
        }

        /** Gives the pieces back to their pool: once, and only when nothing reads them any more. */
        void release() {
            if (pool != null) {
                pool.give(pieces);
            }
        }
    }

    private final Request request;
    private final long maxBytes;
    private final String what;
    private final Consumer<Body> onBody;
    private final Consumer<Throwable> onFailure;
    /** The announced length, or -1. */
    private final long length;
    /** Where a body too large for an array of its own goes; null when it goes on the heap. */
    private final BodyPieces pool;
    private final List<ByteBuffer> pieces = new ArrayList<>();
    /** A smaller body whose length was announced: read straight into an array of that size. */
    private final byte[] exact;
    /** A body whose length was not announced, when it does not go into pieces. */
    private final ByteArrayOutputStream body;
    private long bytes;

    private BodyReader(Request request, long maxBytes, String what, BodyPieces pool, Consumer<Body> onBody,
                       Consumer<Throwable> onFailure) {
        this.request = request;
        this.maxBytes = maxBytes;
        this.what = what;
        this.onBody = onBody;
        this.onFailure = onFailure;
        this.length = request.getLength();
        this.pool = pool != null && BodyPieces.holds(length) ? pool : null;
        this.exact = this.pool == null && length >= 0 ? new byte[(int) length] : null;
        this.body = this.pool == null && length < 0 ? new ByteArrayOutputStream(8192) : null;
    }

    /**
     * Reads the body; the caller has already refused a Content-Length over the limit.
     *
     * @param pool where a body of {@link BodyPieces#holds a length it holds} is read into; null to read
     *             every body into an array (a batch, which is split into lines)
     */
    static void read(Request request, long maxBytes, String what, BodyPieces pool, Consumer<Body> onBody,
                     Consumer<Throwable> onFailure) {
        BodyReader reader;
        try {
            reader = new BodyReader(request, maxBytes, what, pool, onBody, onFailure);
        } catch (OutOfMemoryError e) {
            onFailure.accept(noMemory(what, e));
            return;
        }
        reader.run();
    }

    /**
     * A body that the heap has no room left for, with the limits the daemon was given: refused alone, so
     * that the bodies and appends already admitted go on (a reply never comes for a request whose handler
     * died of the error).
     */
    static HttpError noMemory(String what, OutOfMemoryError e) {
        return new HttpError(503, "busy", "no memory is left to hold this " + what + " (" + e.getMessage()
                + "); retry later or send less at once, or give the daemon a larger heap (-Xmx)");
    }

    static HttpError tooLarge(long length, long maxBytes, String what) {
        return new HttpError(413, "payload_too_large", what + " of " + (length < 0 ? "more than " + maxBytes : length)
                + " bytes is over the limit of " + maxBytes + " bytes");
    }

    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable failure = chunk.getFailure();
                fail(new HttpError(400, "bad_request", "the request body could not be read: "
                        + (failure.getMessage() != null ? failure.getMessage() : failure.toString())));
                return;
            }
            int n = chunk.remaining();
            if (bytes + n > maxBytes || (length >= 0 && bytes + n > length)) {
                chunk.release();
                fail(tooLarge(-1, maxBytes, what));
                return;
            }
            ByteBuffer src = chunk.getByteBuffer();
            try {
                if (pool != null) {
                    fill(src);
                } else if (exact != null) {
                    src.get(exact, (int) bytes, n);
                } else if (n > 0) {
                    byte[] part = new byte[n];
                    src.get(part);
                    body.write(part, 0, n);
                }
            } catch (HttpError e) {
                chunk.release();
                fail(e);
                return;
            } catch (OutOfMemoryError e) {
                chunk.release();
                fail(noMemory(what, e));
                return;
            }
            bytes += n;
            chunk.release();
            if (chunk.isLast()) {
                if (length >= 0 && bytes != length) {
                    fail(new HttpError(400, "bad_request", "the body ended after " + bytes + " of " + length
                            + " bytes"));
                    return;
                }
                Body whole;
                try {
                    whole = whole();
                } catch (OutOfMemoryError e) {
                    fail(noMemory(what, e));
                    return;
                }
                onBody.accept(whole);
                return;
            }
        }
    }

    /** Copies {@code src} into pieces, taking a new one from the pool whenever the last is full. */
    private void fill(ByteBuffer src) {
        while (src.hasRemaining()) {
            if (pieces.isEmpty() || !pieces.get(pieces.size() - 1).hasRemaining()) {
                pieces.add(pool.take());
            }
            ByteBuffer piece = pieces.get(pieces.size() - 1);
            int n = Math.min(src.remaining(), piece.remaining());
            piece.put(piece.position(), src, src.position(), n);
            piece.position(piece.position() + n);
            src.position(src.position() + n);
        }
    }

    private Body whole() {
        if (pool == null) {
            byte[] array = exact != null ? exact : body.toByteArray();
            return new Body(array, new ByteBuffer[] {ByteBuffer.wrap(array)}, null);
        }
        ByteBuffer[] held = pieces.toArray(ByteBuffer[]::new);
        for (ByteBuffer piece : held) {
            piece.flip();
        }
        return new Body(null, held, pool);
    }

    private void fail(HttpError error) {
        if (pool != null) {
            pool.give(pieces.toArray(ByteBuffer[]::new));
        }
        onFailure.accept(error);
    }
}
