package afterme.daemon;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the JVM has room for the largest bodies serve's limits allow, told once at start: a payload of
 * 64 KiB or more is held off the heap, in direct memory, and a batch on the heap, twice while it is split
 * into lines. A body that does not fit is refused with 503 when it comes; the operator should know before.
 */
final class MemoryHeadroom {
    private static final long MIB = 1L << 20;

    private MemoryHeadroom() {
    }

    /** The warnings for this JVM: none when the largest payload and batch fit. */
    static List<String> warnings(long maxPayload, long maxBatch) {
        return warnings(maxPayload, maxBatch, maxDirectMemory(), Runtime.getRuntime().maxMemory());
    }

    static List<String> warnings(long maxPayload, long maxBatch, long maxDirect, long maxHeap) {
        List<String> warnings = new ArrayList<>();
        if (maxPayload > maxDirect) {
            warnings.add("--max-payload " + mib(maxPayload) + " is more than the JVM's direct memory ("
                    + mib(maxDirect) + "), which holds a payload while it is appended: payloads larger than that"
                    + " will be refused with 503; raise it with -XX:MaxDirectMemorySize (for bin/afterme, in"
                    + " AFTERME_JAVA_OPTS)");
        }
        if (2 * maxBatch > maxHeap) {
            warnings.add("--max-batch " + mib(maxBatch) + " is more than half the JVM's heap (" + mib(maxHeap)
                    + "), which holds a batch twice while it is split into lines: batches larger than half of it"
                    + " will be refused with 503; raise it with -Xmx (for bin/afterme, in AFTERME_JAVA_OPTS)");
        }
        return warnings;
    }

    /** -XX:MaxDirectMemorySize, whose default (0) is the heap's maximum. */
    private static long maxDirectMemory() {
        String value = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("MaxDirectMemorySize").getValue();
        long bytes = Long.parseLong(value);
        return bytes > 0 ? bytes : Runtime.getRuntime().maxMemory();
    }

    private static String mib(long bytes) {
        return bytes % MIB == 0 ? bytes / MIB + " MiB" : bytes + " bytes";
    }
}
