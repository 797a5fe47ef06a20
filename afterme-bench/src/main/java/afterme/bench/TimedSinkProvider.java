package afterme.bench;

import afterme.forward.Message;
import afterme.forward.Sink;
import afterme.forward.SinkProvider;
import afterme.forward.SinkTarget;
import afterme.forward.Sinks;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code timed://x?uri=URI}: the real sink of URI, noting when the broker confirmed each seq,
 * so that the benchmark can measure from a record's durable ack to its confirm. Found through ServiceLoader
 * like any sink.
 */
public final class TimedSinkProvider implements SinkProvider {
    /** Confirm times by seq, System.nanoTime; set by the benchmark before it starts a forwarder. */
    static volatile AtomicLongArray confirmedNanos = new AtomicLongArray(1);

    @Override
    public String scheme() {
        return "timed";
    }

    @Override
    public void validate(SinkTarget target) {
        Sinks.forTarget(inner(target));
    }

    @Override
    public Sink connect(SinkTarget target) throws IOException {
        SinkTarget inner = inner(target);
        Sink sink = Sinks.forTarget(inner).connect(inner);
        return new Sink() {
            @Override
            public CompletableFuture<Boolean> publish(Message m) {
                return sink.publish(m).whenComplete((v, e) -> {
                    if (e == null && m.seq() < confirmedNanos.length()) {
                        confirmedNanos.compareAndSet((int) m.seq(), 0, System.nanoTime());
                    }
                });
            }

            @Override
            public void flush() throws IOException {
                sink.flush();
            }

            @Override
            public long heldThrough(String logId, long confirmedSeq) throws IOException {
                return sink.heldThrough(logId, confirmedSeq);
            }

            @Override
            public void close() {
                sink.close();
            }
        };
    }

    private static SinkTarget inner(SinkTarget target) {
        try {
            return SinkTarget.parse(target.param("uri"), null);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
