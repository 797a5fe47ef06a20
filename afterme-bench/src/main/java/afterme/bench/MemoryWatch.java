package afterme.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.HttpClient;

/** The daemon's used heap from /metrics and its resident set from /proc, sampled every 100 ms. */
final class MemoryWatch implements AutoCloseable {
    private final AtomicLong heap = new AtomicLong();
    private final AtomicLong resident = new AtomicLong();
    private final Thread thread;
    private volatile boolean stop;

    MemoryWatch(HttpClient client, URI metrics, long pid) {
        Pattern used = Pattern.compile("(?m)^afterme_jvm_heap_used_bytes (\\d+)");
        Pattern rss = Pattern.compile("(?m)^VmRSS:\\s+(\\d+) kB");
        Path status = Path.of("/proc", String.valueOf(pid), "status");
        thread = new Thread(() -> {
            while (!stop) {
                try {
                    Matcher m = used.matcher(client.GET(metrics).getContentAsString());
                    if (m.find()) {
                        heap.accumulateAndGet(Long.parseLong(m.group(1)), Math::max);
                    }
                    Matcher r = rss.matcher(Files.readString(status));
                    if (r.find()) {
                        resident.accumulateAndGet(Long.parseLong(r.group(1)) << 10, Math::max);
                    }
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // a missed sample; the next one comes in 100 ms
                }
            }
        });
        thread.setDaemon(true);
        thread.start();
    }

    long heapPeak() {
        return heap.get();
    }

    long residentPeak() {
        return resident.get();
    }

    @Override
    public void close() {
        stop = true;
    }
}
