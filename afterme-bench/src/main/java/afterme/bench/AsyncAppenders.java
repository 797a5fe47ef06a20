package afterme.bench;

import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.Log;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N concurrent appenders the way the daemon has them: each keeps one append in flight and submits the
 * next from the completion of the previous (an asynchronous HTTP handler does the same), instead of N
 * OS threads blocked in {@code get()}, whose context switches would measure the scheduler of a 2-core
 * machine rather than the log.
 */
final class AsyncAppenders {
    private final Log log;
    private final byte[] payload;
    private final Ack ack;
    private final int appenders;
    private final long deadline;
    private final AtomicLong records;
    private final long[] samples = new long[1 << 20];
    private final AtomicInteger sampleCount = new AtomicInteger();
    private final CountDownLatch done;

    AsyncAppenders(Log log, byte[] payload, Ack ack, int appenders, long deadline, AtomicLong records) {
        this.log = log;
        this.payload = payload;
        this.ack = ack;
        this.appenders = appenders;
        this.deadline = deadline;
        this.records = records;
        this.done = new CountDownLatch(appenders);
    }

    /** Runs until the deadline; returns latency samples (micros) with their count in the last slot. */
    long[] run() throws InterruptedException {
        for (int i = 0; i < appenders; i++) {
            next();
        }
        done.await();
        samples[samples.length - 1] = Math.min(sampleCount.get(), samples.length - 1);
        return samples;
    }

    private void next() {
        long start = System.nanoTime();
        if (start >= deadline) {
            done.countDown();
            return;
        }
        Append a = log.submit(Append.of(payload, ack));
        CompletableFuture<?> f = ack == Ack.DURABLE ? a.durable : a.written;
        f.whenComplete((r, e) -> {
            if (e != null) {
                done.countDown();
                return;
            }
            records.incrementAndGet();
            int n = sampleCount.getAndIncrement();
            if (n < samples.length - 1) {
                samples[n] = (System.nanoTime() - start) / 1000;
            }
            next();
        });
    }
}
