package afterme.daemon.subscribe;

import afterme.daemon.log.HeadFollowers;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogListener;
import afterme.format.LogCursor;
import afterme.format.LogFormatException;
import afterme.format.LogRecord;
import afterme.format.PayloadMode;
import afterme.format.RecordJson;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one subscription machinery behind both SSE and WebSocket. Each subscriber has its own thread that
 * reads from the files through a cursor and writes to its sink with blocking writes: a slow subscriber
 * simply reads from disk later. Nothing is queued per subscriber, so memory stays bounded and appends
 * never wait; the writer only bumps a counter and wakes the threads.
 */
public final class Subscriptions implements LogListener {
    private static final Logger LOG = System.getLogger(Subscriptions.class.getName());
    /** Records sent between two looks at durable_seq, so that durable messages stay timely during catch-up. */
    private static final int RECORDS_PER_TURN = 1000;
    /** How long shutdown waits for subscribers to end their streams themselves. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final Log log;
    private final int maxSubscribers;
    private final Duration keepAlive;
    private final Object signal = new Object();
    private final Set<Subscriber> active = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();
    private volatile boolean closed;
    private long changes;

    public Subscriptions(Log log, int maxSubscribers, Duration keepAlive) {
        this.log = log;
        this.maxSubscribers = maxSubscribers;
        this.keepAlive = keepAlive;
        log.addListener(this);
    }

    public int count() {
        return count.get();
    }

    /** Starts a subscriber thread; false when the limit of subscribers is reached or the daemon is stopping. */
    public boolean start(long fromSeq, RecordsMode mode, EventSink sink) {
        if (closed || count.incrementAndGet() > maxSubscribers) {
            count.decrementAndGet();
            return false;
        }
        Subscriber s = new Subscriber(fromSeq, mode, sink);
        active.add(s);
        Thread t = new Thread(s, "afterme-subscriber");
        t.setDaemon(true);
        t.start();
        return true;
    }

    @Override
    public void written(long lastSeq) {
        wake();
    }

    @Override
    public void durable(long durableSeq) {
        wake();
    }

    private void wake() {
        synchronized (signal) {
            changes++;
            signal.notifyAll();
        }
    }

    /**
     * Ends every subscription, for shutdown: each subscriber ends its own stream cleanly after the event
     * it is writing; the streams of those that a stalled client still holds up after a moment are cut.
     */
    public void close() {
        closed = true;
        wake();
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        while (!active.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Subscriber s : active) {
            s.sink.close();
        }
    }

    private final class Subscriber implements Runnable {
        private final long fromSeq;
        private final RecordsMode mode;
        private final EventSink sink;

        Subscriber(long fromSeq, RecordsMode mode, EventSink sink) {
            this.fromSeq = fromSeq;
            this.mode = mode;
            this.sink = sink;
        }

        @Override
        public void run() {
            // A subscriber that reads records follows the head, and should find them in the page cache.
            try (LogCursor cursor = log.cursor(fromSeq);
                 HeadFollowers.Following following = mode == RecordsMode.NONE ? null : log.follow()) {
                long durableSent = -1;
                while (!closed) {
                    long seen;
                    synchronized (signal) {
                        seen = changes;
                    }
                    long durable = log.durableSeq();
                    boolean busy = false;
                    if (durable != durableSent) {
                        sink.durable("{\"type\":\"durable\",\"durable_seq\":" + durable + "}");
                        durableSent = durable;
                        busy = true;
                    }
                    long limit = switch (mode) {
                        case ALL -> log.lastSeq();
                        case DURABLE -> durable;
                        case NONE -> 0;
                    };
                    for (int n = 0; n < RECORDS_PER_TURN && cursor.nextSeq() <= limit && !closed; n++) {
                        LogRecord r = cursor.next();
                        if (r == null) {
                            break;
                        }
                        sink.record(r.seq(), new String(RecordJson.line(r, PayloadMode.AUTO, RecordJson.Location.OMIT,
                                "record"), StandardCharsets.UTF_8).stripTrailing());
                        busy = true;
                    }
                    if (busy) {
                        sink.flush();
                    } else {
                        awaitChange(seen);
                    }
                }
            } catch (LogFormatException e) {
                // Nothing corrupt is sent: the subscriber is told why its stream ends, as a read is (corrupt_log).
                LOG.log(Level.ERROR, "a subscriber from seq {0} stopped: {1}", fromSeq, e.getMessage());
                try {
                    sink.error(error("corrupt_log", e.getMessage()));
                } catch (IOException gone) {
                    LOG.log(Level.DEBUG, "subscriber gone before it was told: {0}", gone.toString());
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "subscriber ended: {0}", e.toString());
            } finally {
                active.remove(this);
                count.decrementAndGet();
                sink.close();
            }
        }

        /** {@code {"type":"error","error":CODE,"message":...}}: the reply of a read that fails, as a message. */
        private static String error(String code, String message) throws IOException {
            StringWriter out = new StringWriter();
            try (JsonGenerator g = RecordJson.FACTORY.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("type", "error");
                g.writeStringField("error", code);
                g.writeStringField("message", message);
                g.writeEndObject();
            }
            return out.toString();
        }

        private void awaitChange(long seen) throws IOException {
            boolean changed;
            synchronized (signal) {
                long deadline = System.nanoTime() + keepAlive.toNanos();
                while (changes == seen && !closed && System.nanoTime() < deadline) {
                    try {
                        signal.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                changed = changes != seen || closed;
            }
            if (!changed) {
                sink.keepAlive();
            }
        }
    }
}
