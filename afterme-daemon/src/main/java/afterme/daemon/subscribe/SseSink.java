package afterme.daemon.subscribe;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Server-Sent Events: {@code event: record} with {@code id: <seq>}, {@code event: durable}, comment keep-alives. */
public final class SseSink implements EventSink {
    private final OutputStream out;
    private final Callback callback;
    private final AtomicBoolean closed = new AtomicBoolean();

    public SseSink(Response response, Callback callback) {
        this.out = Content.Sink.asOutputStream(response);
        this.callback = callback;
    }

    @Override
    public void record(long seq, String json) throws IOException {
        send("event: record\nid: " + seq + "\ndata: " + json + "\n\n");
    }

    @Override
    public void durable(String json) throws IOException {
        send("event: durable\ndata: " + json + "\n\n");
    }

    @Override
    public void keepAlive() throws IOException {
        send(": keep-alive\n\n");
    }

    private synchronized void send(String event) throws IOException {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                out.close();
                callback.succeeded();
            } catch (IOException e) {
                callback.failed(e);
            }
        }
    }
}
