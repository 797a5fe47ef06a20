package afterme.forward;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a forwarder's checkpoint on a thread of its own, the newest one handed to it, at most once per
 * {@link #INTERVAL_NANOS}, so that the forwarder goes on taking confirms and sending while one is fsynced.
 * Closing writes the last one at once. Thread-safe.
 */
final class CheckpointWriter implements AutoCloseable {
    /**
     * Between two writes. Each write is two fsyncs, and back to back they took disk and CPU from the broker:
     * NATS forwarding reached 0.45-0.50 of the bare publisher with writes back to back, 0.60-0.72 with 20 ms
     * between them and 0.67-0.81 with 100 ms (BENCHMARKS.md, forwarding). A crash can therefore send again
     * up to this long of confirmed records, besides those not yet confirmed.
     */
    static final long INTERVAL_NANOS = 100_000_000L;

    private final Path file;
    private final Thread thread;
    private Checkpoint pending;
    /** The newest checkpoint whose write failed; {@link #close} tries it again if nothing newer came. */
    private Checkpoint failed;
    private long written = -1;
    private IOException failure;
    private boolean closed;

    CheckpointWriter(Path file, String name) {
        this.file = file;
        this.thread = new Thread(this::run, "afterme-checkpoint-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Hands over a newer checkpoint; returns at once.
     *
     * @throws IOException the failure of an earlier write, once: the forwarder treats it as it treats a lost
     *                     connection, and the next checkpoint is tried again
     */
    synchronized void offer(Checkpoint cp) throws IOException {
        IOException f = failure;
        failure = null;
        pending = cp;
        notifyAll();
        if (f != null) {
            throw f;
        }
    }

    /** Writes what is pending now, on the caller's thread, and stops the writer. */
    @Override
    public void close() throws IOException {
        Checkpoint last;
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            last = pending != null ? pending : failed;
            pending = null;
        }
        if (last != null && last.seq() != written) {
            last.write(file);
        }
    }

    /** Waits out the interval between writes; closing cuts it short. */
    private synchronized void pause() {
        long deadline = System.nanoTime() + INTERVAL_NANOS;
        for (long left = INTERVAL_NANOS; left > 0 && !closed; left = deadline - System.nanoTime()) {
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void run() {
        while (true) {
            Checkpoint cp;
            synchronized (this) {
                while (pending == null && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                cp = pending;
                pending = null;
            }
            try {
                cp.write(file);
                written = cp.seq();
            } catch (IOException e) {
                synchronized (this) {
                    failure = e;
                    failed = cp;
                }
            }
            pause();
        }
    }
}
