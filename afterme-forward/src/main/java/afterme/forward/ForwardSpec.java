package afterme.forward;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code serve --forward NAME=URI}. Besides the sink's own parameters, the URI may carry the forwarder's:
 * {@code from=start|end|SEQ} (where a new forwarder starts; default start), {@code on_reject=stop|dead-letter}
 * and {@code credentials_file=PATH}. They are taken off before the sink sees the URI.
 */
public final class ForwardSpec {
    private ForwardSpec() {
    }

    /**
     * @param idleWait how long an idle forwarder sleeps when nothing wakes it
     * @throws IllegalArgumentException naming what is wrong
     */
    public static ForwarderConfig parse(String spec, Duration idleWait) throws IOException {
        int eq = spec.indexOf('=');
        int scheme = spec.indexOf("://");
        if (eq <= 0 || (scheme >= 0 && scheme < eq)) {
            // Without a name, the first '=' is the query's: "nats://HOST?subject=S" split into a name and "S".
            String example = scheme > 0 ? spec.substring(0, scheme) + "=" + spec : "NAME=" + spec;
            throw new IllegalArgumentException("'" + spec + "' has no name: give NAME=URI, as in '" + example + "'");
        }
        String name = spec.substring(0, eq);
        String uri = spec.substring(eq + 1);
        StartAt startAt = StartAt.START;
        OnReject onReject = OnReject.STOP;
        Path credentials = null;
        int q = uri.indexOf('?');
        if (q >= 0) {
            List<String> kept = new ArrayList<>();
            for (String pair : uri.substring(q + 1).split("&")) {
                int e = pair.indexOf('=');
                String key = e < 0 ? pair : pair.substring(0, e);
                String value = e < 0 ? "" : URLDecoder.decode(pair.substring(e + 1), StandardCharsets.UTF_8);
                switch (key) {
                    case "from" -> startAt = StartAt.parse(value);
                    case "on_reject" -> onReject = OnReject.parse(value);
                    case "credentials_file" -> credentials = Path.of(value);
                    default -> kept.add(pair);
                }
            }
            uri = uri.substring(0, q) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
        }
        SinkTarget target = SinkTarget.parse(uri, credentials,
                "a file named in the URI's query with credentials_file=PATH");
        Sinks.forTarget(target);
        return ForwarderConfig.of(name, target, startAt, onReject, idleWait).in(ForwarderConfig.Host.DAEMON);
    }
}
