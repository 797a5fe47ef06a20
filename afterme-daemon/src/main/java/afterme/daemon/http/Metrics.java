package afterme.daemon.http;

import afterme.daemon.log.Histogram;
import afterme.daemon.log.Log;
import afterme.daemon.log.WriterStats;
import afterme.daemon.subscribe.Subscriptions;
import afterme.daemon.webhook.Webhooks;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Locale;

/** The Prometheus text exposition of {@code /metrics}. */
final class Metrics {
    private final Log log;
    private final Subscriptions subscriptions;
    private final Webhooks webhooks;
    private final HttpStats http;

    Metrics(Log log, Subscriptions subscriptions, Webhooks webhooks, HttpStats http) {
        this.log = log;
        this.subscriptions = subscriptions;
        this.webhooks = webhooks;
        this.http = http;
    }

    String render() throws IOException {
        WriterStats s = log.stats();
        StringBuilder b = new StringBuilder(4096);
        counter(b, "afterme_appends_total", "Appends written (a batch counts once).", s.appends.sum());
        counter(b, "afterme_records_total", "Records written.", s.records.sum());
        counter(b, "afterme_payload_bytes_total", "Payload bytes written.", s.payloadBytes.sum());
        counter(b, "afterme_writer_batches_total", "Writer turns: appends drained and written together.",
                s.batches.sum());
        counter(b, "afterme_duplicates_total", "Appends answered from the idempotency window.", s.duplicates.sum());
        counter(b, "afterme_conflicts_total", "Appends refused by Afterme-Expected-Last-Seq.", s.conflicts.sum());
        counter(b, "afterme_rotations_total", "Segments sealed and started.", s.rotations.sum());
        b.append("# HELP afterme_errors_total Errors by kind.\n# TYPE afterme_errors_total counter\n");
        b.append("afterme_errors_total{kind=\"write\"} ").append(s.writeErrors.sum()).append('\n');
        b.append("afterme_errors_total{kind=\"fsync\"} ").append(s.fsyncErrors.sum()).append('\n');
        b.append("afterme_errors_total{kind=\"http_4xx\"} ").append(http.clientErrors.sum()).append('\n');
        b.append("afterme_errors_total{kind=\"http_5xx\"} ").append(http.serverErrors.sum()).append('\n');
        histogram(b, "afterme_fsync_seconds", "Time of each fdatasync.", s.fsyncSeconds);
        histogram(b, "afterme_writer_batch_records", "Records the writer took together in one turn and wrote with "
                + "one call.", s.batchRecords);
        gauge(b, "afterme_last_seq", "Last seq written.", log.lastSeq());
        gauge(b, "afterme_durable_seq", "Highest seq known to be on disk.", log.durableSeq());
        gauge(b, "afterme_durable_lag_records", "Records written but not yet fsynced.",
                log.lastSeq() - log.durableSeq());
        gauge(b, "afterme_segments", "Segment files.", log.segments().size());
        gauge(b, "afterme_subscribers", "Open subscriptions (WebSocket and SSE).", subscriptions.count());
        gauge(b, "afterme_writable", "1 when appends are accepted.", log.writable() ? 1 : 0);
        java.lang.management.MemoryUsage heap =
                java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        gauge(b, "afterme_jvm_heap_used_bytes", "Java heap in use.", heap.getUsed());
        gauge(b, "afterme_jvm_heap_max_bytes", "Java heap limit (-Xmx).", heap.getMax());
        counter(b, "afterme_webhook_deliveries_total", "Webhook notifications delivered.", webhooks.delivered());
        counter(b, "afterme_webhook_failures_total", "Webhook attempts that failed.", webhooks.failures());
        return b.toString();
    }

    private static void counter(StringBuilder b, String name, String help, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" counter\n").append(name).append(' ').append(value).append('\n');
    }

    private static void histogram(StringBuilder b, String name, String help, Histogram h) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" histogram\n");
        double[] bounds = h.bounds();
        long[] cumulative = h.cumulative();
        for (int i = 0; i < bounds.length; i++) {
            // As Prometheus's own clients write them: 0.0001 and 16384, not 1.0E-4 and 16384.0.
            String le = BigDecimal.valueOf(bounds[i]).stripTrailingZeros().toPlainString();
            b.append(name).append("_bucket{le=\"").append(le).append("\"} ").append(cumulative[i]).append('\n');
        }
        long count = cumulative[bounds.length];
        b.append(name).append("_bucket{le=\"+Inf\"} ").append(count).append('\n');
        b.append(name).append("_sum ").append(String.format(Locale.ROOT, "%.9f", h.sum())).append('\n');
        b.append(name).append("_count ").append(count).append('\n');
    }

    private static void gauge(StringBuilder b, String name, String help, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" gauge\n").append(name).append(' ').append(value).append('\n');
    }
}
