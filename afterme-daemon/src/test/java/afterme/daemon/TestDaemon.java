package afterme.daemon;

import afterme.daemon.http.Limits;
import afterme.daemon.http.Tokens;
import afterme.daemon.log.Ack;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import afterme.forward.ForwarderConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

/** Starts a daemon in-process on an ephemeral port, for end-to-end tests through real HTTP. */
final class TestDaemon {
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    static Daemon start(Path dir) throws Exception {
        return start(dir, null, List.of());
    }

    static Daemon start(Path dir, Tokens tokens, List<URI> webhooks) throws Exception {
        return start(dir, new Limits(1024, 1 << 20, Ack.MEMORY), tokens, webhooks);
    }

    static Daemon start(Path dir, Limits limits) throws Exception {
        return start(dir, limits, null, List.of());
    }

    static Daemon startForwarding(Path dir, List<ForwarderConfig> forwards) throws Exception {
        return Daemon.start(Log.open(LogConfig.defaults(dir)), new Daemon.HttpOptions("127.0.0.1", 0,
                new Limits(1024, 1 << 20, Ack.MEMORY), null, null, null, List.of(), forwards));
    }

    private static Daemon start(Path dir, Limits limits, Tokens tokens, List<URI> webhooks) throws Exception {
        return Daemon.start(Log.open(LogConfig.defaults(dir)), new Daemon.HttpOptions("127.0.0.1", 0, limits, tokens,
                null, null, webhooks, List.of()));
    }

    static HttpResponse<String> post(Daemon d, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(d.uri().resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private TestDaemon() {
    }
}
