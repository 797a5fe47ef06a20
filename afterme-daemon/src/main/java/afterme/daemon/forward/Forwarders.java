package afterme.daemon.forward;

import afterme.daemon.log.HeadFollowers;
import afterme.daemon.log.Histogram;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogListener;
import afterme.format.LogRecord;
import afterme.forward.Forwarder;
import afterme.forward.ForwarderConfig;
import afterme.forward.ForwarderStatus;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's forwarders ({@code serve --forward}), each on a thread of its own, each woken whenever
 * durable_seq advances. A forwarder reads the files, never a queue the writer fills, so a dead broker
 * neither slows appends nor holds memory. Thread-safe.
 */
public final class Forwarders implements LogListener, AutoCloseable {
    private static final double[] CONFIRM_BOUNDS =
            {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final Log log;
    private final Clock clock;
    private final List<Running> running = new ArrayList<>();

    /**
     * A forwarder, the time from each send to its confirm, in seconds, and its hold on the log as a reader
     * that follows the head.
     */
    private record Running(Forwarder forwarder, Histogram confirmSeconds, HeadFollowers.Following following) {
    }

    /**
     * One forwarder's state with its lag behind the log.
     *
     * @param lagRecords durable records not yet confirmed by the broker
     * @param lagSeconds how long the oldest of them has waited, by its time; 0 with none
     */
    public record View(ForwarderStatus status, long lagRecords, double lagSeconds, Histogram confirmSeconds) {
    }

    public Forwarders(Log log, List<ForwarderConfig> configs, Clock clock) {
        this.log = log;
        this.clock = clock;
        for (ForwarderConfig c : configs) {
            Histogram h = new Histogram(CONFIRM_BOUNDS);
            running.add(new Running(new Forwarder(c, new DaemonLogSource(log), nanos -> h.observe(nanos / 1e9)), h,
                    log.follow()));
        }
        log.addListener(this);
        running.forEach(r -> r.forwarder().start());
    }

    @Override
    public void written(long lastSeq) {
        // Only durable records are forwarded.
    }

    @Override
    public void durable(long durableSeq) {
        for (Running r : running) {
            r.forwarder().wake();
        }
    }

    public List<View> views() throws IOException {
        List<View> out = new ArrayList<>();
        long durable = log.durableSeq();
        for (Running r : running) {
            ForwarderStatus s = r.forwarder().status();
            long lag = Math.max(0, durable - s.forwardedSeq());
            double seconds = 0;
            if (lag > 0) {
                LogRecord oldest = log.read(s.forwardedSeq() + 1);
                if (oldest != null) {
                    seconds = Math.max(0, (clock.instant().toEpochMilli() * 1_000_000L - oldest.epochNanos()) / 1e9);
                }
            }
            out.add(new View(s, lag, seconds, r.confirmSeconds()));
        }
        return out;
    }

    /** Closes every forwarder at once: each waits briefly for its confirms and writes its checkpoint. */
    @Override
    public void close() {
        running.forEach(r -> r.forwarder().requestClose());
        running.forEach(r -> r.forwarder().close());
        running.forEach(r -> r.following().close());
    }
}
