package afterme.bench;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Two builds of afterme against each other, for changes of a few percent, which rounds minutes apart
 * cannot resolve on this machine (its slow spells move the same load by half). The bare handler and
 * both daemons run at once, and wrk loads them in turn for {@value #SLICE} each, {@value #ROUNDS} rounds,
 * A and B swapping places every round, so that a spell falls on all three alike. Prints every round,
 * then the median of B/A, how many rounds B won, each build's median ratio to the bare handler, and each
 * daemon's own CPU time per request: a change of a percent or two in what a request costs shows there
 * while its rate is lost in the noise.
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
            out.println("round     bare        A        B    B/A | CPU us per request: A      B");
            double[] ofA = new double[ROUNDS];
            double[] aOfBare = new double[ROUNDS];
            double[] bOfBare = new double[ROUNDS];
            double[] cpuA = new double[ROUNDS];
            double[] cpuB = new double[ROUNDS];
            ProcessHandle processA = processes.get(1).toHandle();
            ProcessHandle processB = processes.get(2).toHandle();
            int bWins = 0;
            for (int round = 0; round < ROUNDS; round++) {
                Wrk.Result ra;
                Wrk.Result rb;
                if (round % 2 == 0) {
                    ra = load(wrk, a, body, connections, processA);
                    rb = load(wrk, b, body, connections, processB);
                } else {
                    rb = load(wrk, b, body, connections, processB);
                    ra = load(wrk, a, body, connections, processA);
                }
                double rx = load(wrk, bare, body, connections, null).requestsPerSecond();
                ofA[round] = rb.requestsPerSecond() / ra.requestsPerSecond();
                aOfBare[round] = ra.requestsPerSecond() / rx;
                bOfBare[round] = rb.requestsPerSecond() / rx;
                cpuA[round] = ra.serverCpuMicros();
                cpuB[round] = rb.serverCpuMicros();
                bWins += ofA[round] > 1 ? 1 : 0;
                out.printf("%5d %8.0f %8.0f %8.0f %6.3f |                 %6.1f %6.1f%n", round + 1, rx,
                        ra.requestsPerSecond(), rb.requestsPerSecond(), ofA[round], cpuA[round], cpuB[round]);
            }
            out.printf("B/A median %.3f, B more in %d of %d rounds; of bare: A %.3f, B %.3f (medians)%n",
                    HttpBench.median(ofA), bWins, ROUNDS, HttpBench.median(aOfBare),
                    HttpBench.median(bOfBare));
            out.printf("the daemon's CPU time per request: A %.1f us, B %.1f us (medians); B less in %d of %d rounds%n",
                    HttpBench.median(cpuA), HttpBench.median(cpuB),
                    IntStream.range(0, ROUNDS).filter(r -> cpuB[r] < cpuA[r]).count(), ROUNDS);
        } finally {
            Servers.stop(processes);
            EngineBench.deleteTree(dirA);
            EngineBench.deleteTree(dirB);
        }
    }

    private static Wrk.Result load(Wrk wrk, URI uri, byte[] body, int connections, ProcessHandle server)
            throws Exception {
        return wrk.load(uri, body, connections, 1, null, SLICE, server);
    }
}
