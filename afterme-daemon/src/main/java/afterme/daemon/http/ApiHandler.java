package afterme.daemon.http;

import afterme.command.Failures;
import afterme.daemon.forward.Forwarders;
import afterme.daemon.log.Log;
import afterme.daemon.subscribe.RecordsMode;
import afterme.daemon.subscribe.SseSink;
import afterme.daemon.subscribe.Subscriptions;
import afterme.daemon.webhook.Webhooks;
import afterme.format.LogFormatException;
import afterme.format.RecordJson;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.Scheduler;

/** Routes the endpoints of docs/HTTP.md to their handlers; every path completes the callback exactly once. */
public final class ApiHandler extends Handler.Abstract {
    private final Log log;
    private final AppendHandler appends;
    private final ReadHandler reads;
    private final Subscriptions subscriptions;
    private final Metrics metrics;
    private final Forwarders forwarders;
    private final HttpStats stats;

    /** {@code GET /}: the endpoints, so that a user who finds the port finds the API. */
    private static final byte[] ENDPOINTS = endpoints(
            "POST", "/v1/records", "append one record; the body is the payload (?ack=memory|durable)",
            "POST", "/v1/records/batch", "append each line of an NDJSON body as one record, all or nothing",
            "GET", "/v1/records/{seq}", "one record's payload, raw; its ETag is its SHA-256 (If-None-Match: 304)",
            "GET", "/v1/records", "records as NDJSON (?from=N&limit=M&payload=auto|utf8|base64|none)",
            "GET", "/v1/log", "log_id, first_seq, last_seq, durable_seq, segments, bytes, format_version, chain_head",
            "GET", "/v1/subscribe", "WebSocket or Server-Sent Events: catch up, then live (?from=N&records=durable|all|none)",
            "GET", "/v1/forwarders", "each forwarder's sink, state, forwarded seq, lag and last error",
            "GET", "/healthz", "200 when the log is writable, 503 otherwise",
            "GET", "/metrics", "Prometheus text format",
            "GET", "/", "this list");
    /** @param stats where each error reply is counted, for /metrics */
    public ApiHandler(Log log, Limits limits, Subscriptions subscriptions, Webhooks webhooks,
                      Forwarders forwarders, HttpStats stats, Executor executor, Scheduler scheduler) {
        this.log = log;
        this.appends = new AppendHandler(log, limits, executor, scheduler);
        this.reads = new ReadHandler(log);
        this.subscriptions = subscriptions;
        this.forwarders = forwarders;
        this.stats = stats;
        this.metrics = new Metrics(log, subscriptions, webhooks, forwarders, stats);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Callback counted = Callback.from(callback, () -> stats.count(response.getStatus()));
        try {
            route(request, response, counted);
        } catch (HttpError e) {
            Replies.error(response, counted, e.status, e.code, e.getMessage());
        } catch (LogFormatException e) {
            Replies.error(response, counted, 500, "corrupt_log", e.getMessage());
        } catch (Exception e) {
            Replies.error(response, counted, 503, "unavailable", Failures.describe(e));
        }
        return true;
    }

    private void route(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        String method = request.getMethod();
        boolean get = HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method);
        boolean post = HttpMethod.POST.is(method);
        // Parsed once here: every endpoint that takes parameters reads them from this.
        Fields query = QueryParameters.of(request);
        QueryParameters.Refusal refused = QueryParameters.refusal(query, path, parametersOf(path, post));
        if (refused != null) {
            Replies.refuse(request, response, callback, 400, refused.code(), refused.message());
            return;
        }
        switch (path) {
            case "/v1/records" -> {
                if (post) {
                    appends.handle(request, query, response, callback, false);
                } else if (get) {
                    reads.range(query, response, callback);
                } else {
                    notAllowed(request, response, callback, "GET, HEAD, POST");
                }
            }
            case "/v1/records/batch" -> {
                if (post) {
                    appends.handle(request, query, response, callback, true);
                } else {
                    notAllowed(request, response, callback, "POST");
                }
            }
            case "/v1/log" -> onlyGet(get, request, response, callback, () -> reads.describe(response, callback));
            case "/" -> onlyGet(get, request, response, callback,
                    () -> Replies.sendBytes(response, callback, 200, ENDPOINTS));
            case "/healthz" -> onlyGet(get, request, response, callback, () -> health(response, callback));
            case "/metrics" -> onlyGet(get, request, response, callback, () -> {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                response.write(true, ByteBuffer.wrap(metrics.render().getBytes(StandardCharsets.UTF_8)), callback);
            });
            // A stream that never ends has no HEAD: its headers alone would start a subscription.
            case "/v1/subscribe" -> {
                if (HttpMethod.GET.is(method)) {
                    subscribe(request, query, response, callback);
                } else {
                    notAllowed(request, response, callback, "GET");
                }
            }
            case "/v1/forwarders" -> onlyGet(get, request, response, callback,
                    () -> Replies.sendBytes(response, callback, 200, ForwardersJson.render(forwarders.views())));
            default -> {
                if (path.startsWith("/v1/records/") && get) {
                    reads.record(path.substring("/v1/records/".length()),
                            request.getHeaders().getValuesList(HttpHeader.IF_NONE_MATCH), response, callback);
                } else if (path.startsWith("/v1/records/")) {
                    notAllowed(request, response, callback, "GET, HEAD");
                } else {
                    Replies.refuse(request, response, callback, 404, "not_found", "no endpoint " + path);
                }
            }
        }
    }

    private static byte[] endpoints(String... methodPathDoes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = RecordJson.FACTORY.createGenerator(out)) {
            g.writeStartArray();
            for (int i = 0; i < methodPathDoes.length; i += 3) {
                g.writeStartObject();
                g.writeStringField("method", methodPathDoes[i]);
                g.writeStringField("path", methodPathDoes[i + 1]);
                g.writeStringField("description", methodPathDoes[i + 2]);
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** What each endpoint takes; an unknown path takes none, and is answered 404 after this check. */
    private static List<String> parametersOf(String path, boolean post) {
        return switch (path) {
            case "/v1/records" -> post ? QueryParameters.APPEND : QueryParameters.RANGE;
            case "/v1/records/batch" -> QueryParameters.APPEND;
            case "/v1/subscribe" -> QueryParameters.SUBSCRIBE;
            default -> QueryParameters.NONE;
        };
    }

    private void health(Response response, Callback callback) {
        var f = Replies.object();
        boolean ok = log.writable();
        f.put("status", ok ? "ok" : "unavailable");
        f.put("last_seq", log.lastSeq());
        f.put("durable_seq", log.durableSeq());
        Replies.send(response, callback, ok ? 200 : 503, f);
    }

    /** Server-Sent Events; WebSocket upgrades are taken by the upgrade handler before this one. */
    private void subscribe(Request request, Fields q, Response response, Callback callback) {
        RecordsMode mode;
        long from;
        try {
            mode = RecordsMode.parse(q.getValue("records"));
            from = QueryParameters.number(q.getValue("from"), 1, "from");
            String lastEventId = request.getHeaders().get("Last-Event-ID");
            if (lastEventId != null) {
                // Resumes after the seq given; the largest seq has none after it, which no log reaches either.
                long after = QueryParameters.number(lastEventId.strip(), 0, "Last-Event-ID");
                from = Math.min(after, Long.MAX_VALUE - 1) + 1;
            }
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "bad_request", e.getMessage());
        }
        String accept = request.getHeaders().get(HttpHeader.ACCEPT);
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new HttpError(406, "not_acceptable",
                    "subscribe with a WebSocket upgrade or with 'Accept: text/event-stream'");
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        if (!subscriptions.start(from, mode, new SseSink(response, callback))) {
            throw new HttpError(503, "unavailable", "too many subscribers, or the daemon is stopping");
        }
    }

    /** An endpoint's reply, which may fail as {@link #handle} reports. */
    private interface Reply {
        void send() throws Exception;
    }

    /** {@code reply} for a GET or HEAD ({@code get}); 405 for any other method. */
    private static void onlyGet(boolean get, Request request, Response response, Callback callback, Reply reply)
            throws Exception {
        if (get) {
            reply.send();
        } else {
            notAllowed(request, response, callback, "GET, HEAD");
        }
    }

    private static void notAllowed(Request request, Response response, Callback callback, String allow) {
        response.getHeaders().put(HttpHeader.ALLOW, allow);
        Replies.refuse(request, response, callback, 405, "method_not_allowed", "use " + allow);
    }
}
