package afterme.daemon.http;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Request bodies in memory across all connections, counted in KiB. A request that does not fit waits in
 * line for room without holding a thread: a crowd of slow uploads beyond the budget must not take the
 * HTTP threads that everyone else, and the uploads already admitted, need to make progress.
 */
final class InflightBudget {
    /** One request in line: it goes ahead when room is made, or gives up when its wait is over. */
    private final class Waiter implements Runnable {
        final int kib;
        final Runnable admitted;
        final Runnable expired;
        /** Set just after the waiter joins the line; a timeout that fires after admission finds it gone. */
        volatile Scheduler.Task timeout;

        Waiter(int kib, Runnable admitted, Runnable expired) {
            this.kib = kib;
            this.admitted = admitted;
            this.expired = expired;
        }

        /** The wait is over: leaves the line, unless room was made for it meanwhile. */
        @Override
        public void run() {
            synchronized (InflightBudget.this) {
                if (!line.remove(this)) {
                    return;
                }
            }
            expired.run();
        }
    }

    private final int capacityKib;
    private final Executor executor;
    private final Scheduler scheduler;
    private final long waitMillis;
    // guarded by this
    private int freeKib;
    private final ArrayDeque<Waiter> line = new ArrayDeque<>();

    InflightBudget(int capacityKib, Executor executor, Scheduler scheduler, long waitMillis) {
        this.capacityKib = capacityKib;
        this.freeKib = capacityKib;
        this.executor = executor;
        this.scheduler = scheduler;
        this.waitMillis = waitMillis;
    }

    /** The KiB one request of {@code bytes} takes: at least 1, at most the whole budget, so every request fits alone. */
    int kibFor(long bytes) {
        return (int) Math.min(capacityKib, (bytes >> 10) + 1);
    }

    /**
     * Reserves {@code kib}: runs {@code admitted} at once on this thread when they fit and nobody waits
     * before, or later on an executor thread once they are freed; runs {@code expired} instead when no room
     * was made within the wait. Requests go ahead in the order they came, so large ones are not starved.
     */
    void acquire(int kib, Runnable admitted, Runnable expired) {
        Waiter w;
        synchronized (this) {
            if (line.isEmpty() && freeKib >= kib) {
                freeKib -= kib;
                w = null;
            } else {
                w = new Waiter(kib, admitted, expired);
                line.add(w);
            }
        }
        if (w == null) {
            admitted.run();
        } else {
            w.timeout = scheduler.schedule(w, waitMillis, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Frees {@code kib} and lets in those at the head of the line that now fit. Called once per append on
     * the writer's thread, so it allocates nothing when nobody waits.
     */
    void release(int kib) {
        List<Waiter> admitted = List.of();
        synchronized (this) {
            freeKib += kib;
            while (!line.isEmpty() && line.peek().kib <= freeKib) {
                Waiter w = line.poll();
                freeKib -= w.kib;
                if (admitted.isEmpty()) {
                    admitted = new ArrayList<>();
                }
                admitted.add(w);
            }
        }
        // Room is freed on the log writer's thread: the bodies are read elsewhere.
        for (Waiter w : admitted) {
            executor.execute(() -> {
                cancelTimeout(w);
                w.admitted.run();
            });
        }
    }

    private static void cancelTimeout(Waiter w) {
        Scheduler.Task t = w.timeout;
        if (t != null) {
            t.cancel();
        }
    }
}
