package afterme.daemon.http;

import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Handles small single appends on the thread that read them and hands every other request to an HTTP
 * thread. A small append never blocks: its checks are in memory, a body that has not all come yet is
 * read on an HTTP thread when the rest comes, and the append goes to the writer's queue, which has room
 * for one append per connection. Handing it to another thread
 * cost more than handling it: on 2 cores, with the load generator beside it, the same daemon used 7-12%
 * less CPU per 1 KiB append and served 1.14-1.39 times the requests (BENCHMARKS.md, ninth session).
 * Reads, batches, large or chunked bodies and subscriptions can wait on the disk, the writer's queue or
 * a slow client, so they run on an HTTP thread, where waiting holds up no other connection.
 */
public final class InlineDispatch extends Handler.Wrapper {
    /** Bodies up to this size are read with their headers or soon after, and hashed in microseconds. */
    static final long INLINE_BYTES = 16 * 1024;

    private final Executor executor;

    public InlineDispatch(Executor executor, Handler next) {
        super(next);
        this.executor = executor;
    }

    /** Tells Jetty that it may call {@link #handle} on the thread that read the request. */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (isSmallAppend(request)) {
            return super.handle(request, response, callback);
        }
        executor.execute(() -> {
            try {
                if (!super.handle(request, response, callback)) {
                    Response.writeError(request, response, callback, 404);
                }
            } catch (Throwable t) {
                Response.writeError(request, response, callback, t);
            }
        });
        return true;
    }

    private static boolean isSmallAppend(Request request) {
        long length = request.getLength();
        return length >= 0 && length <= INLINE_BYTES && HttpMethod.POST.is(request.getMethod())
                && "/v1/records".equals(request.getHttpURI().getPath());
    }
}
