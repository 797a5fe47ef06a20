package afterme.daemon.http;

import java.util.concurrent.atomic.LongAdder;

/** Counts of error replies, for /metrics. Thread-safe. */
final class HttpStats {
    final LongAdder clientErrors = new LongAdder();
    final LongAdder serverErrors = new LongAdder();
}
