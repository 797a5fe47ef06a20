package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryHeadroomTest {
    private static final long MIB = 1L << 20;

    @Test
    void theDefaultsFitTheHeapBinAftermeGivesServe() {
        assertEquals(List.of(), MemoryHeadroom.warnings(MIB, 16 * MIB, 256 * MIB, 256 * MIB));
    }

    @Test
    void aPayloadLimitAboveTheDirectMemoryIsToldWithWhatToRaise() {
        List<String> w = MemoryHeadroom.warnings(512 * MIB, 16 * MIB, 256 * MIB, 256 * MIB);
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("--max-payload 512 MiB is more than the JVM's direct memory (256 MiB)"), w.get(0));
        assertTrue(w.get(0).contains("-XX:MaxDirectMemorySize") && w.get(0).contains("AFTERME_JAVA_OPTS"), w.get(0));
    }

    @Test
    void aBatchLimitAboveHalfTheHeapIsToldWithWhatToRaise() {
        List<String> w = MemoryHeadroom.warnings(MIB, 200 * MIB, 256 * MIB, 256 * MIB);
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).startsWith("--max-batch 200 MiB is more than half the JVM's heap (256 MiB)"), w.get(0));
        assertTrue(w.get(0).contains("-Xmx"), w.get(0));
        assertEquals(List.of(), MemoryHeadroom.warnings(MIB, 128 * MIB, 256 * MIB, 256 * MIB));
    }
}
