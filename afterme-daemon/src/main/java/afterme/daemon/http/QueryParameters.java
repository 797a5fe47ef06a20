package afterme.daemon.http;

import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * The query parameters each endpoint takes. One it does not take is refused, never ignored: a
 * typo such as {@code ?akc=durable} must not quietly turn a durable append into a memory one; nor is one
 * given twice. Stateless.
 */
public final class QueryParameters {
    public static final List<String> APPEND = List.of("ack");
    public static final List<String> RANGE = List.of("from", "limit", "payload");
    public static final List<String> SUBSCRIBE = List.of("from", "records");
    public static final List<String> NONE = List.of();
    /**
     * The query strings nearly every append sends, parsed once: Jetty parses each request's query afresh
     * into new Fields kept in a new attribute map: 1.2-2.2% of the daemon's CPU time under 1 KiB
     * memory-acked appends from 64 connections, where looking them up here takes 0.4% (async-profiler).
     */
    private static final Map<String, Fields> COMMON = Map.of("ack=memory", one("ack", "memory"), "ack=durable",
            one("ack", "durable"));

    private QueryParameters() {
    }

    /** The request's query parameters, to be read and never changed: the common ones are shared. */
    public static Fields of(Request request) {
        String query = request.getHttpURI().getQuery();
        Fields common = query == null ? null : COMMON.get(query);
        return common != null ? common : Request.extractQueryParameters(request);
    }

    /**
     * A decimal seq or count ({@code from}, {@code limit}, {@code Last-Event-ID}); one past a long's range is
     * as good as the largest: past the end of any log, or no limit at all.
     *
     * @throws IllegalArgumentException saying what {@code name} must be, when {@code value} is no such number
     */
    public static long number(String value, long otherwise, String name) {
        if (value == null) {
            return otherwise;
        }
        if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(name + " must be a number >= 0, not '" + value + "'");
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException tooLarge) {
            return Long.MAX_VALUE;
        }
    }

    private static Fields one(String name, String value) {
        Fields f = new Fields();
        f.add(name, value);
        return f.asImmutable();
    }

    /** Why a request's query parameters are refused: the error code and a message naming the parameter. */
    public record Refusal(String code, String message) {
    }

    /**
     * Why {@code path} refuses the request's parameters {@code q}, or null: the first one it does not take,
     * or one given more than once, which would otherwise be read as its first value whatever the others
     * said ({@code ?ack=durable&ack=memory}).
     */
    public static Refusal refusal(Fields q, String path, List<String> known) {
        for (Fields.Field f : q) {
            if (!known.contains(f.getName())) {
                return new Refusal("unknown_parameter", "unknown query parameter '" + f.getName() + "': " + path
                        + (known.isEmpty() ? " takes none" : " takes " + String.join(", ", known)));
            }
            if (f.hasMultipleValues()) {
                return new Refusal("bad_request", "query parameter '" + f.getName() + "' is given "
                        + f.getValues().size() + " times (" + String.join(", ", f.getValues()) + "); give it once");
            }
        }
        return null;
    }
}
