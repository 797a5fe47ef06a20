package afterme.daemon.http;

import java.util.List;
import org.eclipse.jetty.util.Fields;

/**
 * The query parameters each endpoint takes (SPEC §4). One it does not take is refused, never ignored: a
 * typo such as {@code ?akc=durable} must not quietly turn a durable append into a memory one. Stateless.
 */
public final class QueryParameters {
    public static final List<String> APPEND = List.of("ack");
    public static final List<String> RANGE = List.of("from", "limit", "payload");
    public static final List<String> SUBSCRIBE = List.of("from", "records");
    public static final List<String> NONE = List.of();

    private QueryParameters() {
    }

    /** The message refusing the first of the request's parameters {@code q} that is not in {@code known}, or null. */
    public static String unknown(Fields q, String path, List<String> known) {
        for (String name : q.getNames()) {
            if (!known.contains(name)) {
                return "unknown query parameter '" + name + "': " + path
                        + (known.isEmpty() ? " takes none" : " takes " + String.join(", ", known));
            }
        }
        return null;
    }
}
