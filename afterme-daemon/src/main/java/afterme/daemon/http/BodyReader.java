package afterme.daemon.http;

import afterme.format.Hashes;
import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body asynchronously and refuses it with 413 as soon as it passes its limit, whether
 * or not a Content-Length announced it (chunked bodies are counted as they stream).
 */
final class BodyReader implements Runnable {
    /**
     * A whole body and its SHA-256, computed once when first asked for: the Content-Digest check and the
     * record's hash share it (a MiB costs 0.7 ms to hash here).
     */
    static final class Body {
        private final byte[] bytes;
        private byte[] sha256;

        Body(byte[] bytes) {
            this.bytes = bytes;
        }

        byte[] bytes() {
            return bytes;
        }

        byte[] sha256() {
            if (sha256 == null) {
                sha256 = Hashes.sha256(bytes);
            }
            return sha256;
        }
    }

    private final Request request;
    private final long maxBytes;
    private final String what;
    private final Consumer<Body> onBody;
    private final Consumer<Throwable> onFailure;
    /** The body when its length was announced: read straight into an array of that size. */
    private final byte[] exact;
    private final ByteArrayOutputStream body;
    private long bytes;

    private BodyReader(Request request, long maxBytes, String what, Consumer<Body> onBody,
                       Consumer<Throwable> onFailure) {
        this.request = request;
        this.maxBytes = maxBytes;
        this.what = what;
        this.onBody = onBody;
        this.onFailure = onFailure;
        long length = request.getLength();
        this.exact = length >= 0 ? new byte[(int) length] : null;
        this.body = length >= 0 ? null : new ByteArrayOutputStream(8192);
    }

    /** Reads the body; the caller has already refused a Content-Length over the limit. */
    static void read(Request request, long maxBytes, String what, Consumer<Body> onBody,
                     Consumer<Throwable> onFailure) {
        new BodyReader(request, maxBytes, what, onBody, onFailure).run();
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
                onFailure.accept(new HttpError(400, "bad_request", "the request body could not be read: "
                        + chunk.getFailure()));
                return;
            }
            int n = chunk.remaining();
            if (bytes + n > maxBytes || (exact != null && bytes + n > exact.length)) {
                chunk.release();
                onFailure.accept(tooLarge(-1, maxBytes, what));
                return;
            }
            if (exact != null) {
                chunk.getByteBuffer().get(exact, (int) bytes, n);
            } else if (n > 0) {
                byte[] part = new byte[n];
                chunk.getByteBuffer().get(part);
                body.write(part, 0, n);
            }
            bytes += n;
            chunk.release();
            if (chunk.isLast()) {
                if (exact != null && bytes != exact.length) {
                    onFailure.accept(new HttpError(400, "bad_request", "the body ended after " + bytes + " of "
                            + exact.length + " bytes"));
                    return;
                }
                onBody.accept(new Body(exact != null ? exact : body.toByteArray()));
                return;
            }
        }
    }
}
