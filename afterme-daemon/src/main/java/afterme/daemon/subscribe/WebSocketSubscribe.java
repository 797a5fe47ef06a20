package afterme.daemon.subscribe;

import afterme.daemon.http.HttpStats;
import afterme.daemon.http.QueryParameters;
import afterme.daemon.http.Replies;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/** The WebSocket transport of {@code /v1/subscribe}: one JSON text frame per message. */
public final class WebSocketSubscribe implements Session.Listener.AutoDemanding, EventSink {
    /** A subscriber that does not take a frame for this long is dropped (it can resume with from=). */
    private static final long SEND_TIMEOUT_MS = 60_000;
    /**
     * Frames are batched, so that a turn of many records goes out in a few writes (SseSink says why); at
     * most this many characters of them wait in Jetty, unwritten, before the subscriber waits for them.
     */
    private static final long WINDOW_CHARS = 64 * 1024;

    private final Subscriptions subscriptions;
    private final long from;
    private final RecordsMode mode;
    /** Jetty's session under the API's: it can batch frames and flush them. */
    private volatile CoreSession core;
    /** Characters of frames sent since the last flush; the subscriber's thread alone touches it. */
    private long unwrittenChars;

    private WebSocketSubscribe(Subscriptions subscriptions, long from, RecordsMode mode) {
        this.subscriptions = subscriptions;
        this.from = from;
        this.mode = mode;
    }

    /**
     * Wraps {@code next} so that WebSocket upgrades of /v1/subscribe become subscriptions; an upgrade it
     * refuses is counted in {@code stats}, as every error reply is.
     */
    public static Handler upgradeHandler(Server server, Subscriptions subscriptions, HttpStats stats, Handler next) {
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(Duration.ofMinutes(5));
            container.setMaxTextMessageSize(64 * 1024);
            // Jetty batches frames of up to a quarter of this buffer; at its default of 4 KiB a 1 KiB record
            // was written on its own. The same 32 KiB per subscriber as SseSink's buffer.
            container.setOutputBufferSize(32 * 1024);
            container.addMapping("/v1/subscribe", (request, response, callback) -> {
                Fields q = QueryParameters.of(request);
                QueryParameters.Refusal refused = QueryParameters.refusal(q, "/v1/subscribe",
                        QueryParameters.SUBSCRIBE);
                Callback counted = Callback.from(callback, () -> stats.count(response.getStatus()));
                if (refused != null) {
                    Replies.error(response, counted, 400, refused.code(), refused.message());
                    return null;
                }
                try {
                    RecordsMode mode = RecordsMode.parse(q.getValue("records"));
                    long from = QueryParameters.number(q.getValue("from"), 1, "from");
                    return new WebSocketSubscribe(subscriptions, from, mode);
                } catch (IllegalArgumentException e) {
                    Replies.error(response, counted, 400, "bad_request", e.getMessage());
                    return null;
                }
            });
        });
        ws.setHandler(next);
        return ws;
    }

    @Override
    public void onWebSocketOpen(Session s) {
        CoreSession c = ((WebSocketSession) s).getCoreSession();
        this.core = c;
        if (!subscriptions.start(from, mode, this)) {
            c.close(1013, "too many subscribers, or the daemon is stopping", Callback.NOOP);
        }
    }

    @Override
    public void record(long seq, String json) throws IOException {
        send(json);
    }

    @Override
    public void durable(String json) throws IOException {
        send(json);
    }

    /** The message, then a close with 1011 (the server cannot go on), which says where to look. */
    @Override
    public void error(String json) throws IOException {
        send(json);
        flush();
        openCore().close(1011, "the subscription cannot go on; the last message says why", Callback.NOOP);
    }

    /**
     * Jetty writes a session's frames in the order they were sent and fails every frame still queued when
     * a write fails, so the flush completing says that every frame before it was written.
     */
    @Override
    public void flush() throws IOException {
        Callback.Completable flushed = new Callback.Completable();
        openCore().flush(flushed);
        await(flushed);
        unwrittenChars = 0;
    }

    @Override
    public void keepAlive() throws IOException {
        Callback.Completable done = new Callback.Completable();
        openCore().sendFrame(new Frame(OpCode.PING), done, false);
        await(done);
    }

    private void send(String json) throws IOException {
        openCore().sendFrame(new Frame(OpCode.TEXT, json), Callback.NOOP, true);
        unwrittenChars += json.length();
        if (unwrittenChars >= WINDOW_CHARS) {
            flush();
        }
    }

    private CoreSession openCore() throws IOException {
        CoreSession c = core;
        if (c == null || !c.isOutputOpen()) {
            throw new IOException("WebSocket closed");
        }
        return c;
    }

    private static void await(Callback.Completable done) throws IOException {
        try {
            done.get(SEND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("WebSocket send failed: " + e.getCause(), e);
        }
    }

    @Override
    public void close() {
        CoreSession c = core;
        if (c != null && c.isOutputOpen()) {
            c.close(1001, "afterme is stopping", Callback.NOOP);
        }
    }
}
