package afterme.daemon.subscribe;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Server-Sent Events: {@code event: record} with {@code id: <seq>}, {@code event: durable}, comment keep-alives. */
public final class SseSink implements EventSink {
    private final OutputStream out;
    private final Callback callback;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantLock writing = new ReentrantLock();

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

    private void send(String event) throws IOException {
        writing.lock();
        try {
            // Writing to a stream that close() ended makes Jetty's blocking writer complain on stderr.
            if (closed.get()) {
                throw new EOFException("the event stream is closed");
            }
            out.write(event.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } finally {
            writing.unlock();
        }
    }

    /**
     * Ends the stream after the event being written; if a slow client holds that write up, the stream is
     * aborted instead, which fails the write, rather than making shutdown wait for the client.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!writing.tryLock()) {
            callback.failed(new EOFException("the daemon is stopping"));
            return;
        }
        try {
            out.close();
            callback.succeeded();
        } catch (IOException e) {
            callback.failed(e);
        } finally {
            writing.unlock();
        }
    }
}
