package afterme.daemon.webhook;

import afterme.command.RetryLog;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogListener;
import java.io.IOException;
import java.lang.System.Logger;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * POSTs {@code {"log_id":..,"durable_seq":D}} to each {@code --webhook} whenever durable_seq advances.
 * Each hook has one thread and at most one request in flight; notifications coalesce to the latest
 * durable_seq, so a dead hook costs one parked thread and never slows appends. Failures retry with
 * exponential backoff and full jitter.
 */
public final class Webhooks implements LogListener, AutoCloseable {
    private static final Logger LOG = System.getLogger(Webhooks.class.getName());
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long BACKOFF_MIN_MS = 100;
    private static final long BACKOFF_MAX_MS = 30_000;

    private final Log log;
    private final List<Hook> hooks = new ArrayList<>();
    /** None without hooks: making one reads the trusted certificates and starts a thread. */
    private final HttpClient client;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Object signal = new Object();
    private volatile long durableSeq;
    private volatile boolean closed;

    public Webhooks(Log log, List<URI> urls) {
        this.log = log;
        this.durableSeq = log.durableSeq();
        // HTTP/1.1: the client's default, HTTP/2, asks a plain-http receiver to upgrade (Upgrade: h2c) on
        // every POST, which receivers and proxies that do not speak it may refuse or mishandle.
        this.client = urls.isEmpty() ? null : HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TIMEOUT).build();
        for (URI url : urls) {
            Hook h = new Hook(url);
            hooks.add(h);
            Thread t = new Thread(h, "afterme-webhook");
            t.setDaemon(true);
            t.start();
        }
        log.addListener(this);
    }

    public long delivered() {
        return delivered.get();
    }

    public long failures() {
        return failures.get();
    }

    @Override
    public void written(long lastSeq) {
        // Webhooks announce durability only.
    }

    @Override
    public void durable(long seq) {
        durableSeq = seq;
        if (!hooks.isEmpty()) {
            synchronized (signal) {
                signal.notifyAll();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /** One hook's deliveries; every field but the URL belongs to its thread. */
    private final class Hook implements Runnable {
        private final URI url;
        private long sent;
        private final RetryLog retryLog;

        Hook(URI url) {
            this.url = url;
            this.sent = durableSeq;
            this.retryLog = new RetryLog(LOG, "webhook " + url);
        }

        @Override
        public void run() {
            long backoff = BACKOFF_MIN_MS;
            while (!closed) {
                long target = durableSeq;
                if (target == sent) {
                    synchronized (signal) {
                        if (durableSeq == sent && !closed) {
                            try {
                                signal.wait(1000);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                    continue;
                }
                String failure = post(target);
                if (failure == null) {
                    retryLog.succeeded(() -> "delivered again, durable_seq " + target + ",");
                    sent = target;
                    backoff = BACKOFF_MIN_MS;
                    delivered.incrementAndGet();
                } else {
                    failures.incrementAndGet();
                    retryLog.failed(failure, "retrying, at most every " + BACKOFF_MAX_MS / 1000 + " s");
                    sleep(ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1));
                    backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
                }
            }
        }

        /** Why the delivery failed, or null when the hook took it. */
        private String post(long seq) {
            String body = "{\"log_id\":\"" + log.logId() + "\",\"durable_seq\":" + seq + "}";
            HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "afterme")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            try {
                HttpResponse<Void> r = client.send(request, HttpResponse.BodyHandlers.discarding());
                return r.statusCode() / 100 == 2 ? null : "it answered " + r.statusCode();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            } catch (IOException e) {
                return reason(e);
            }
        }

        /**
         * The first message in the exception's causes. The JDK's HTTP client reports a refused connection as a
         * ConnectException with none anywhere, which is put in words.
         */
        private static String reason(IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t.getMessage() != null) {
                    return t.getClass().getSimpleName() + ": " + t.getMessage();
                }
            }
            return e instanceof ConnectException ? "cannot connect: nothing listens there, or it cannot be reached"
                    : e.getClass().getSimpleName();
        }

        /** Backs off without being woken by new durable_seqs: only closing cuts it short. */
        private void sleep(long ms) {
            long deadline = System.nanoTime() + ms * 1_000_000;
            while (!closed && System.nanoTime() < deadline) {
                LockSupport.parkNanos(Math.min(100_000_000, deadline - System.nanoTime()));
            }
        }
    }
}
