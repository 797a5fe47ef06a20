package afterme.daemon.subscribe;

import java.io.IOException;

/** One transport of a subscription (SSE or WebSocket). Calls block while the client is slow. */
public interface EventSink {
    void record(long seq, String json) throws IOException;

    void durable(String json) throws IOException;

    /** Something to keep an idle connection open through proxies. */
    void keepAlive() throws IOException;

    void close();
}
