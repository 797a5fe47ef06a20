package afterme.daemon.http;

import afterme.daemon.forward.Forwarders;
import afterme.daemon.log.Histogram;
import afterme.daemon.log.Log;
import afterme.daemon.log.WriterStats;
import afterme.daemon.subscribe.Subscriptions;
import afterme.daemon.webhook.Webhooks;
import afterme.forward.ForwarderStatus;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** The Prometheus text exposition of {@code /metrics}. */
final class Metrics {
    private final Log log;
    private final Subscriptions subscriptions;
    private final Webhooks webhooks;
    private final HttpStats http;
    private final Forwarders forwarders;

    Metrics(Log log, Subscriptions subscriptions, Webhooks webhooks, Forwarders forwarders, HttpStats http) {
        this.log = log;
        this.subscriptions = subscriptions;
        this.webhooks = webhooks;
        this.forwarders = forwarders;
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
        histogram(b, "afterme_write_seconds", "Time of each write of a group of records into the active segment.",
                s.writeSeconds);
        histogram(b, "afterme_writer_batch_records", "Records the writer took together in one turn and wrote with "
                + "one call.", s.batchRecords);
        gauge(b, "afterme_last_seq", "Last seq written.", log.lastSeq());
        gauge(b, "afterme_durable_seq", "Highest seq known to be on disk.", log.durableSeq());
        gauge(b, "afterme_durable_lag_records", "Records written but not yet fsynced.",
                log.lastSeq() - log.durableSeq());
        gauge(b, "afterme_segments", "Segment files.", log.segments().size());
        gauge(b, "afterme_subscribers", "Open subscriptions (WebSocket and SSE).", subscriptions.count());
        gauge(b, "afterme_writable", "1 when appends are accepted.", log.writable() ? 1 : 0);
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        gauge(b, "afterme_jvm_heap_used_bytes", "Java heap in use.", heap.getUsed());
        gauge(b, "afterme_jvm_heap_max_bytes", "Java heap limit (-Xmx).", heap.getMax());
        counter(b, "afterme_webhook_deliveries_total", "Webhook notifications delivered.", webhooks.delivered());
        counter(b, "afterme_webhook_failures_total", "Webhook attempts that failed.", webhooks.failures());
        forwarders(b);
        return b.toString();
    }

    /** One series per forwarder in each family, labelled {@code forwarder="NAME"}. */
    private void forwarders(StringBuilder b) throws IOException {
        List<Forwarders.View> views = forwarders.views();
        if (views.isEmpty()) {
            return;
        }
        family(b, "afterme_forwarder_forwarded_seq", "gauge", "Last seq the broker confirmed.", views,
                v -> Long.toString(v.status().forwardedSeq()));
        family(b, "afterme_forwarder_lag_records", "gauge", "Durable records the broker has not confirmed yet.", views,
                v -> Long.toString(v.lagRecords()));
        family(b, "afterme_forwarder_lag_seconds", "gauge", "Age of the oldest durable record not yet confirmed.",
                views, v -> String.format(Locale.ROOT, "%.3f", v.lagSeconds()));
        family(b, "afterme_forwarder_retries_total", "counter", "Connections to the broker lost or refused.", views,
                v -> Long.toString(v.status().retries()));
        family(b, "afterme_forwarder_dead_lettered_total", "counter", "Records the broker refused, set aside.", views,
                v -> Long.toString(v.status().deadLettered()));
        family(b, "afterme_forwarder_duplicates_total", "counter", "Records the broker said it already held.", views,
                v -> Long.toString(v.status().duplicates()));
        b.append("# HELP afterme_forwarder_state 1 for the forwarder's current state.\n")
                .append("# TYPE afterme_forwarder_state gauge\n");
        for (Forwarders.View v : views) {
            for (ForwarderStatus.State s : ForwarderStatus.State.values()) {
                b.append("afterme_forwarder_state{forwarder=\"").append(v.status().name()).append("\",state=\"")
                        .append(s.label()).append("\"} ").append(v.status().state() == s ? 1 : 0).append('\n');
            }
        }
        b.append("# HELP afterme_forwarder_confirm_seconds Time from sending a record to the broker's confirm.\n")
                .append("# TYPE afterme_forwarder_confirm_seconds histogram\n");
        for (Forwarders.View v : views) {
            buckets(b, "afterme_forwarder_confirm_seconds", "forwarder=\"" + v.status().name() + "\",",
                    v.confirmSeconds());
        }
    }

    private static void family(StringBuilder b, String name, String type, String help, List<Forwarders.View> views,
                               Function<Forwarders.View, String> value) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(' ')
                .append(type).append('\n');
        for (Forwarders.View v : views) {
            b.append(name).append("{forwarder=\"").append(v.status().name()).append("\"} ").append(value.apply(v))
                    .append('\n');
        }
    }

    private static void counter(StringBuilder b, String name, String help, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" counter\n").append(name).append(' ').append(value).append('\n');
    }

    private static void histogram(StringBuilder b, String name, String help, Histogram h) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" histogram\n");
        buckets(b, name, "", h);
    }

    /** A histogram's series; {@code labels} go before {@code le}, each followed by a comma. */
    private static void buckets(StringBuilder b, String name, String labels, Histogram h) {
        double[] bounds = h.bounds();
        long[] cumulative = h.cumulative();
        for (int i = 0; i < bounds.length; i++) {
            // As Prometheus's own clients write them: 0.0001 and 16384, not 1.0E-4 and 16384.0.
            String le = BigDecimal.valueOf(bounds[i]).stripTrailingZeros().toPlainString();
            b.append(name).append("_bucket{").append(labels).append("le=\"").append(le).append("\"} ").append(cumulative[i]).append('\n');
        }
        long count = cumulative[bounds.length];
        String series = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
        b.append(name).append("_bucket{").append(labels).append("le=\"+Inf\"} ").append(count).append('\n');
        b.append(name).append("_sum").append(series).append(' ').append(String.format(Locale.ROOT, "%.9f", h.sum()))
                .append('\n');
        b.append(name).append("_count").append(series).append(' ').append(count).append('\n');
    }

    private static void gauge(StringBuilder b, String name, String help, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" gauge\n").append(name).append(' ').append(value).append('\n');
    }
}
