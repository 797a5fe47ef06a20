package afterme.daemon.forward;

import afterme.daemon.log.Ack;
import afterme.daemon.log.Append;
import afterme.daemon.log.Log;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Records of every kind a forwarder must carry unchanged, appended to a test's log. */
final class Logs {
    private Logs() {
    }

    /** One payload and its content type (null for none). */
    record Sample(byte[] payload, String contentType) {
    }

    /** JSON, text, binary with every byte value, empty, and one of {@code largeBytes}. */
    static List<Sample> everyKind(int largeBytes) {
        byte[] binary = new byte[512];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        byte[] large = new byte[largeBytes];
        new Random(7).nextBytes(large);
        return List.of(
                new Sample("{\"type\":\"OrderPlaced\",\"id\":7}".getBytes(StandardCharsets.UTF_8), "application/json"),
                new Sample("plain text, ünïcödé ✓".getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8"),
                new Sample(binary, "application/octet-stream"),
                new Sample(new byte[0], null),
                new Sample(large, "application/octet-stream"));
    }

    /** Appends each sample, durable, and returns them in seq order (the first at seq {@code log.lastSeq() + 1}). */
    static List<Sample> append(Log log, List<Sample> samples) throws Exception {
        for (Sample s : samples) {
            log.submit(Append.of(List.of(s.payload()), s.contentType(), null, -1, Ack.DURABLE)).durable.get();
        }
        return samples;
    }

    /** {@code n} small durable records, "r1", "r2", ... by their seq. */
    static void appendSmall(Log log, int n) throws Exception {
        List<Append> appends = new ArrayList<>();
        long first = log.lastSeq() + 1;
        for (int i = 0; i < n; i++) {
            appends.add(log.submit(Append.of(("r" + (first + i)).getBytes(StandardCharsets.UTF_8), Ack.DURABLE)));
        }
        for (Append a : appends) {
            a.durable.get();
        }
    }
}
