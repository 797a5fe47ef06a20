package afterme.daemon.subscribe;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Server-Sent Events: {@code event: record} with {@code id: <seq>}, {@code event: durable}, comment
 * keep-alives, and {@code event: error} before a stream the daemon cannot go on with.
 */
public final class SseSink implements EventSink {
    /**
     * Events wait here until the subscriber's turn ends or it fills. Each write to the response is a
     * system call: written one event at a time, four subscribers following a busy log cut its 1 KiB
     * durable appends to less than half (HTTP benchmark). 32 KiB per subscriber stays
     * small beside the limit of 1,000 subscribers.
     */
    private static final int BUFFER_BYTES = 32 * 1024;

    private final OutputStream out;
    private final Callback callback;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantLock writing = new ReentrantLock();

    public SseSink(Response response, Callback callback) {
        this.out = new BufferedOutputStream(Content.Sink.asOutputStream(response), BUFFER_BYTES);
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
    public void error(String json) throws IOException {
        send("event: error\ndata: " + json + "\n\n");
        flush();
    }

    @Override
    public void flush() throws IOException {
        writing.lock();
        try {
            ensureOpen();
            out.flush();
        } finally {
            writing.unlock();
        }
    }

    @Override
    public void keepAlive() throws IOException {
        send(": keep-alive\n\n");
        flush();
    }

    private void send(String event) throws IOException {
        writing.lock();
        try {
            ensureOpen();
            out.write(event.getBytes(StandardCharsets.UTF_8));
        } finally {
            writing.unlock();
        }
    }

    /** Writing to a stream that close() ended makes Jetty's blocking writer complain on stderr. */
    private void ensureOpen() throws EOFException {
        if (closed.get()) {
            throw new EOFException("the event stream is closed");
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
