package afterme.daemon.forward;

import afterme.forward.Message;
import afterme.forward.RejectedException;
import afterme.forward.Sink;
import afterme.forward.SinkProvider;
import afterme.forward.SinkTarget;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code memory://NAME}: a sink of the tests' own, found through {@link java.util.ServiceLoader} as a user's
 * sink would be (META-INF/services in the test resources). Each NAME is a broker in this JVM whose failures
 * the test sets: down, refusing large records, losing the connection every so many messages, holding confirms.
 */
public final class MemorySinkProvider implements SinkProvider {
    private static final Map<String, Broker> BROKERS = new ConcurrentHashMap<>();

    /** The broker a test named; a new name is a new broker. */
    static Broker broker(String name) {
        return BROKERS.computeIfAbsent(name, n -> new Broker());
    }

    /** Takes broker {@code name} down, for a test in another package. */
    public static void down(String name) {
        broker(name).down = true;
    }

    @Override
    public String scheme() {
        return "memory";
    }

    @Override
    public void validate(SinkTarget target) {
        target.allowOnly();
    }

    @Override
    public Sink connect(SinkTarget target) throws IOException {
        Broker b = broker(target.host());
        if (b.down) {
            throw new IOException("memory broker " + target.host() + " is down");
        }
        b.connections++;
        return new MemorySink(b);
    }

    /** What one broker received and how it misbehaves. Thread-safe. */
    static final class Broker {
        /** Every message the broker took, in the order it took them, duplicates included. */
        private final List<Message> received = new ArrayList<>();
        private final Set<String> ids = new HashSet<>();
        volatile boolean down;
        /** Payloads over this many bytes are refused for good. */
        volatile int maxPayload = Integer.MAX_VALUE;
        /** Each connection fails after this many messages, which it loses; 0 for never. */
        volatile int failEvery;
        /** Confirms wait until this is false. */
        volatile boolean holdConfirms;
        volatile int connections;

        synchronized List<Message> received() {
            return List.copyOf(received);
        }

        /** The seqs received without their duplicates, in the order of their first arrival. */
        synchronized List<Long> distinctSeqs() {
            List<Long> out = new ArrayList<>();
            Set<Long> seen = new HashSet<>();
            for (Message m : received) {
                if (seen.add(m.seq())) {
                    out.add(m.seq());
                }
            }
            return out;
        }

        private synchronized boolean take(Message m) {
            received.add(m);
            return !ids.add(m.id());
        }
    }

    private static final class MemorySink implements Sink {
        private final Broker broker;
        private final List<CompletableFuture<Boolean>> held = new ArrayList<>();
        private int sent;
        private volatile boolean closed;

        MemorySink(Broker broker) {
            this.broker = broker;
        }

        @Override
        public CompletableFuture<Boolean> publish(Message m) {
            if (closed) {
                return CompletableFuture.failedFuture(new IOException("closed"));
            }
            if (m.payload().length > broker.maxPayload) {
                return CompletableFuture.failedFuture(new RejectedException("payload of " + m.payload().length
                        + " bytes is over " + broker.maxPayload));
            }
            if (broker.failEvery > 0 && ++sent % broker.failEvery == 0) {
                closed = true;
                return CompletableFuture.failedFuture(new IOException("connection lost"));
            }
            boolean duplicate = broker.take(m);
            if (!broker.holdConfirms) {
                return CompletableFuture.completedFuture(duplicate);
            }
            CompletableFuture<Boolean> f = new CompletableFuture<>();
            synchronized (held) {
                held.add(f);
            }
            return f;
        }

        @Override
        public void flush() {
            if (!broker.holdConfirms) {
                synchronized (held) {
                    held.forEach(f -> f.complete(false));
                    held.clear();
                }
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
