package afterme.daemon.subscribe;

import java.io.IOException;

/**
 * One transport of a subscription (SSE or WebSocket). Calls block while the client is slow. Records and
 * durable messages may wait in a bounded buffer until {@link #flush}, so that a subscriber keeping up
 * with a busy log sends many messages per write instead of one.
 */
public interface EventSink {
    void record(long seq, String json) throws IOException;

    void durable(String json) throws IOException;

    /** Sends what the calls before have buffered. */
    void flush() throws IOException;

    /** The last message, sent at once: why the subscription cannot go on. The stream ends after it. */
    void error(String json) throws IOException;

    /** Something to keep an idle connection open through proxies; sent at once. */
    void keepAlive() throws IOException;

    void close();
}
