package afterme.bench;

import afterme.daemon.HttpFront;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * The ceiling of HTTP on this machine: a Jetty 12 core handler that reads and discards the body and
 * answers a small JSON object, run as its own process like the daemon and behind the daemon's own HTTP
 * front ({@link HttpFront}): the same threads, connector and HTTP configuration.
 *
 * <p>Given a file, it is instead the ceiling of what any server of this format must do with a body:
 * it hashes each body (SHA-256 and CRC32C, {@link HashingWrite}), writes it into the page cache and
 * starts its writeback, but waits for no fsync and keeps no log.
 */
final class BareServer {
    private static final ByteBuffer REPLY = ByteBuffer.wrap("{\"ok\":true}\n".getBytes(StandardCharsets.UTF_8));

    /** @param file null to discard bodies, else where {@link HashingWrite} writes them */
    static void run(Path file) throws Exception {
        HttpFront front = new HttpFront("127.0.0.1", 0, null, null);
        HashingWrite hashing = file == null ? null : new HashingWrite(file);
        // The bare handler never blocks, and saying so lets Jetty run it on the thread that read the
        // request: 1.3 to 2 times the requests/s of the same handler left BLOCKING, so the higher ceiling
        // (measured with the HTTP benchmark). The hashing one writes to a file, and goes faster left BLOCKING
        // (858-926 against 819-885 requests/s of 1 MiB, alternating), as the daemon's handler is.
        InvocationType type = hashing == null ? InvocationType.NON_BLOCKING : InvocationType.BLOCKING;
        front.start(new Handler.Abstract(type) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Callback reply = Callback.from(() -> {
                    response.getHeaders().put("Content-Type", "application/json");
                    response.write(true, REPLY.slice(), callback);
                }, callback::failed);
                if (hashing == null) {
                    Content.Source.consumeAll(request, reply);
                } else {
                    hashing.read(request, reply);
                }
                return true;
            }
        });
        System.err.println((hashing == null ? "bare" : "hashing") + " handler on http://127.0.0.1:" + front.port());
        front.join();
    }

    private BareServer() {
    }
}
