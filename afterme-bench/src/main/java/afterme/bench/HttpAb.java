package afterme.bench;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Two builds of afterme against each other, for changes of a few percent, which rounds minutes apart
 * cannot resolve on this machine (its slow spells move the same load by half). The bare handler and
 * both daemons run at once, and wrk loads them in turn for {@value #SLICE} each, {@value #ROUNDS} rounds,
 * A and B swapping places every round, so that a spell falls on all three alike. Prints every round,
 * then the median of B/A, how many rounds B won, and each build's median ratio to the bare handler.
 * An idle daemon costs the one under load nothing but memory.
 */
final class HttpAb {
    private static final int ROUNDS = 12;
    private static final String SLICE = "2s";
    private static final String WARM_UP = "10s";

    private final Path dataDir;
    private final Path jarA;
    private final Path jarB;
    private final List<String> extraB;
    private final PrintStream out;

    /** @param extraB serve's arguments for B alone, so that one jar can be measured against itself configured otherwise */
    HttpAb(Path dataDir, Path jarA, Path jarB, List<String> extraB, PrintStream out) {
        this.dataDir = dataDir;
        this.jarA = jarA;
        this.jarB = jarB;
        this.extraB = extraB;
        this.out = out;
    }

    void run(String ack, int connections, int payloadBytes) throws Exception {
        Files.createDirectories(dataDir);
        Path dirA = dataDir.resolve("ab-a");
        Path dirB = dataDir.resolve("ab-b");
        EngineBench.deleteTree(dirA);
        EngineBench.deleteTree(dirB);
        Wrk wrk = new Wrk(dataDir);
        byte[] body = HttpBench.payload(payloadBytes);
        List<Process> processes = new ArrayList<>();
        try {
            processes.add(Servers.bare());
            processes.add(Servers.afterme(jarA, dirA));
            processes.add(Servers.afterme(jarB, dirB, extraB));
            URI bare = Servers.url(processes.get(0)).resolve("/");
            URI a = Servers.url(processes.get(1)).resolve("/v1/records?ack=" + ack);
            URI b = Servers.url(processes.get(2)).resolve("/v1/records?ack=" + ack);
            for (URI uri : List.of(bare, a, b)) {
                wrk.load(uri, body, connections, 1, null, WARM_UP);
            }
            out.printf("%d-byte appends, ack %s, %d connections; requests/s per %s slice%s%n", payloadBytes, ack,
                    connections, SLICE, extraB.isEmpty() ? "" : "; B with " + String.join(" ", extraB));
            out.println("round     bare        A        B    B/A");
            double[] ofA = new double[ROUNDS];
            double[] aOfBare = new double[ROUNDS];
            double[] bOfBare = new double[ROUNDS];
            int bWins = 0;
            for (int round = 0; round < ROUNDS; round++) {
                double ra;
                double rb;
                if (round % 2 == 0) {
                    ra = rps(wrk, a, body, connections);
                    rb = rps(wrk, b, body, connections);
                } else {
                    rb = rps(wrk, b, body, connections);
                    ra = rps(wrk, a, body, connections);
                }
                double rx = rps(wrk, bare, body, connections);
                ofA[round] = rb / ra;
                aOfBare[round] = ra / rx;
                bOfBare[round] = rb / rx;
                bWins += rb > ra ? 1 : 0;
                out.printf("%5d %8.0f %8.0f %8.0f %6.3f%n", round + 1, rx, ra, rb, ofA[round]);
            }
            out.printf("B/A median %.3f, B more in %d of %d rounds; of bare: A %.3f, B %.3f (medians)%n",
                    HttpBench.median(ofA), bWins, ROUNDS, HttpBench.median(aOfBare),
                    HttpBench.median(bOfBare));
        } finally {
            Servers.stop(processes);
            EngineBench.deleteTree(dirA);
            EngineBench.deleteTree(dirB);
        }
    }

    private static double rps(Wrk wrk, URI uri, byte[] body, int connections) throws Exception {
        return wrk.load(uri, body, connections, 1, null, SLICE).requestsPerSecond();
    }
}
