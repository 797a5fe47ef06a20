package afterme.daemon.http;

import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.AppendException;
import afterme.daemon.log.AppendResult;
import afterme.daemon.log.Log;
import afterme.format.RecordJson;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * {@code POST /v1/records} and {@code POST /v1/records/batch}. Everything about the request is checked
 * before the append reaches the writer, so bad input never changes the log.
 */
final class AppendHandler {
    /** Bodies wait at most this long for room in the in-flight budget before a 503. */
    private static final long BUDGET_WAIT_MILLIS = 30_000;

    /** What the request's line and headers ask for, checked before its body is read. */
    private record Options(Ack ack, String idempotencyKey, long expectedLastSeq, String contentType,
                           byte[] claimedSha256) {
    }

    private final Log log;
    private final Limits limits;
    private final Executor executor;
    private final InflightBudget budget;
    private final BodyPieces pieces;

    AppendHandler(Log log, Limits limits, Executor executor, Scheduler scheduler) {
        this.log = log;
        this.limits = limits;
        this.executor = executor;
        this.budget = new InflightBudget((int) Math.min(Integer.MAX_VALUE, limits.inflightBytes() >> 10), executor,
                scheduler, BUDGET_WAIT_MILLIS);
        this.pieces = new BodyPieces(limits.inflightBytes());
    }

    void handle(Request request, Fields query, Response response, Callback callback, boolean batch) {
        Options options;
        try {
            HttpFields headers = request.getHeaders();
            options = new Options(ack(query.getValue("ack")),
                    idempotencyKey(single(headers, "Idempotency-Key")),
                    expectedLastSeq(single(headers, "Afterme-Expected-Last-Seq")),
                    batch ? null : contentType(single(headers, HttpHeader.CONTENT_TYPE.asString())),
                    ContentDigest.claimedSha256(headers));
        } catch (HttpError e) {
            Replies.refuse(request, response, callback, e.status, e.code, e.getMessage());
            return;
        }
        long max = batch ? limits.maxBatchBytes() : limits.maxPayloadBytes();
        if (request.getLength() > max) {
            HttpError e = BodyReader.tooLarge(request.getLength(), max, batch ? "batch" : "payload");
            Replies.refuse(request, response, callback, e.status, e.code, e.getMessage());
            return;
        }
        long length = request.getLength() >= 0 ? request.getLength() : max;
        // A batch is held twice while it is split into lines; a large payload in whole pieces.
        long held = batch ? 2 * length : BodyPieces.holds(request.getLength()) ? BodyPieces.heldBytes(length) : length;
        int kib = budget.kibFor(held);
        budget.acquire(kib,
                () -> readAndAppend(request, response, callback, batch, max, kib, options),
                () -> Replies.refuse(request, response, callback, 503, "busy",
                        "too many request bodies in memory; retry later"));
    }

    private void readAndAppend(Request request, Response response, Callback callback, boolean batch, long max,
                               int kib, Options options) {
        BodyReader.read(request, max, batch ? "batch" : "payload", batch ? null : pieces, body -> {
            AtomicBoolean released = new AtomicBoolean();
            Runnable release = () -> {
                if (released.compareAndSet(false, true)) {
                    body.release();
                    budget.release(kib);
                }
            };
            Append append;
            try {
                checkDigest(options.claimedSha256(), body);
                append = batch
                        ? Append.of(lines(body.bytes()), options.contentType(), options.idempotencyKey(),
                                options.expectedLastSeq(), options.ack(), true)
                        : Append.of(body.pieces(), body.sha256(), options.contentType(), options.idempotencyKey(),
                                options.expectedLastSeq(), options.ack());
            } catch (HttpError e) {
                release.run();
                Replies.error(response, callback, e.status, e.code, e.getMessage());
                return;
            } catch (OutOfMemoryError e) {
                // Splitting a batch into lines holds it twice.
                release.run();
                HttpError refused = BodyReader.noMemory(batch ? "batch" : "payload", e);
                Replies.error(response, callback, refused.status, refused.code, refused.getMessage());
                return;
            } catch (RuntimeException e) {
                // This may run on a thread Jetty gave for the body: reply here, or the client would hang.
                release.run();
                Replies.error(response, callback, 500, "internal", e.toString());
                return;
            }
            // The writer reads the body until the append is written or has failed, and only then may its
            // pieces be filled with another body.
            append.written.whenComplete((r, f) -> release.run());
            log.submit(append);
            CompletableFuture<AppendResult> done = options.ack() == Ack.DURABLE ? append.durable : append.written;
            done.whenCompleteAsync((result, failure) -> reply(response, callback, append, result, failure), executor);
        }, failure -> {
            budget.release(kib);
            HttpError e = failure instanceof HttpError h ? h : new HttpError(400, "bad_request", failure.toString());
            Replies.error(response, callback, e.status, e.code, e.getMessage());
        });
    }

    private void reply(Response response, Callback callback, Append append, AppendResult r, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof AppendException e) {
                switch (e.reason()) {
                    case CONFLICT -> {
                        Map<String, Object> f = Replies.object();
                        f.put("error", "conflict");
                        f.put("message", e.getMessage());
                        f.put("last_seq", e.lastSeq());
                        Replies.send(response, callback, 409, f);
                    }
                    case NO_SPACE -> Replies.error(response, callback, 507, "insufficient_storage", e.getMessage());
                    default -> Replies.error(response, callback, 503, "unavailable", e.getMessage());
                }
            } else {
                Replies.error(response, callback, 500, "internal", String.valueOf(cause));
            }
            return;
        }
        response.getHeaders().put(HttpHeader.LOCATION, "/v1/records/" + r.firstSeq());
        Replies.sendBytes(response, callback, 200, AppendReply.render(append, r, log.durableSeq() >= r.lastSeq()));
    }

    /**
     * The value of a header that a request carries once at most, or null. Given more than once it is
     * refused rather than read as its first value, as a query parameter given twice is ({@link
     * QueryParameters#refusal}): two idempotency keys or expected last seqs leave the append's meaning open.
     */
    private static String single(HttpFields headers, String name) {
        String value = headers.get(name);
        if (value != null && headers.getValuesList(name).size() > 1) {
            throw new HttpError(400, "bad_request", name + " is given more than once; give it once");
        }
        return value;
    }

    private Ack ack(String value) {
        if (value == null) {
            return limits.defaultAck();
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "memory" -> Ack.MEMORY;
            case "durable" -> Ack.DURABLE;
            default -> throw new HttpError(400, "bad_request", "ack must be memory or durable, not '" + value + "'");
        };
    }

    /**
     * The key as the client's bytes say it: Jetty hands a header's value over one character per byte
     * (ISO-8859-1), and a key is stored as UTF-8 (FORMAT.md), so the bytes are read again as UTF-8, and a
     * key that is not UTF-8 is refused rather than stored as something the client never sent.
     */
    private static String idempotencyKey(String header) {
        if (header == null) {
            return null;
        }
        byte[] bytes = header.chars().allMatch(c -> c <= 0xFF) ? header.getBytes(StandardCharsets.ISO_8859_1)
                : header.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < 1 || bytes.length > 255) {
            throw new HttpError(400, "bad_idempotency_key", "Idempotency-Key must be 1 to 255 bytes, got "
                    + bytes.length);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new HttpError(400, "bad_idempotency_key", "Idempotency-Key must be UTF-8");
        }
    }

    private static long expectedLastSeq(String value) {
        if (value == null) {
            return -1;
        }
        try {
            long n = Long.parseLong(value.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new HttpError(400, "bad_request", "Afterme-Expected-Last-Seq must be a seq >= 0, not '" + value + "'");
    }

    private static String contentType(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.length() > 255 || !isAscii(value)) {
            throw new HttpError(400, "bad_content_type", "Content-Type must be ASCII and at most 255 bytes");
        }
        return value;
    }

    private static boolean isAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9530: a SHA-256 the request claims for its body must be the body's. */
    private static void checkDigest(byte[] claimedSha256, BodyReader.Body body) {
        if (claimedSha256 != null && !MessageDigest.isEqual(claimedSha256, body.sha256())) {
            throw new HttpError(400, "digest_mismatch", "the body does not match its Content-Digest sha-256; "
                    + "nothing was appended");
        }
    }

    /** The non-empty lines of an NDJSON body, each one JSON value, or 400 naming the first bad line. */
    private List<byte[]> lines(byte[] body) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        int lineNumber = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                lineNumber++;
                // NDJSON lets a '\r' come before the '\n' (files from Windows tools): it belongs to the line's
                // end, not to the record.
                int end = i > start && body[i - 1] == '\r' ? i - 1 : i;
                byte[] line = Arrays.copyOfRange(body, start, end);
                start = i + 1;
                if (isBlank(line)) {
                    continue;
                }
                if (line.length > limits.maxPayloadBytes()) {
                    throw new HttpError(413, "payload_too_large", "line " + lineNumber + " is " + line.length
                            + " bytes, over the limit of " + limits.maxPayloadBytes());
                }
                if (!RecordJson.isOneJsonValue(line)) {
                    throw new HttpError(400, "malformed_batch", "line " + lineNumber
                            + " is not one JSON value; nothing was appended");
                }
                out.add(line);
            }
        }
        if (out.isEmpty()) {
            throw new HttpError(400, "malformed_batch", "the batch holds no records");
        }
        return out;
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
