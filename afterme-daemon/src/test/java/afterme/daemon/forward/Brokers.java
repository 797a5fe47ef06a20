package afterme.daemon.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The brokers the forwarding tests talk to, all on 127.0.0.1. The machine's own RabbitMQ and NATS are used
 * where they answer; where one does not, it is started from its installed binary; where it is not
 * installed, the test is skipped with the reason (CI's .ci/run makes sure both answer first).
 */
public final class Brokers {
    public static final String RABBITMQ_HOST = "127.0.0.1";
    public static final int RABBITMQ_PORT = 5672;
    public static final int NATS_PORT = 4222;

    private Brokers() {
    }

    static boolean answers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** RabbitMQ on 127.0.0.1:5672 (guest/guest), started with {@code rabbitmq-server -detached} if it is down. */
    public static void rabbitMq() throws Exception {
        if (answers(RABBITMQ_PORT)) {
            return;
        }
        Path server = installed("rabbitmq-server");
        Assumptions.assumeTrue(server != null, "RabbitMQ does not answer on 127.0.0.1:5672 and is not installed");
        new ProcessBuilder(server.toString(), "-detached").inheritIO().start().waitFor();
        long deadline = System.nanoTime() + 90_000_000_000L;
        while (!answers(RABBITMQ_PORT)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("RabbitMQ does not answer on 127.0.0.1:5672 90 s after it was started");
            }
            Thread.sleep(100);
        }
    }

    /** The machine's NATS with JetStream, or one started here on a free port with its own store. */
    public static String nats() throws Exception {
        if (answers(NATS_PORT)) {
            return "nats://127.0.0.1:" + NATS_PORT;
        }
        NatsServer s = NatsServer.start(Files.createTempDirectory("afterme-nats"));
        Runtime.getRuntime().addShutdownHook(new Thread(s::stop));
        return s.url();
    }

    /** Stops a broker's process as SIGTERM does, and waits for it; null for one never started. */
    static void stop(Process process) {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static Path installed(String command) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin", "/sbin", "/bin")) {
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /**
     * {@code n} different free ports: all held open at once while they are chosen, or the system may hand the
     * same port out twice (it did, to Kafka's broker and controller listeners).
     */
    static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    /** Waits until {@code server} answers on {@code port}; fails at once if it exits first. */
    static void waitFor(Process server, int port, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!answers(port)) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the server meant for 127.0.0.1:" + port + " exited with "
                        + server.exitValue());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nothing answers on 127.0.0.1:" + port + " after " + seconds + " s");
            }
            Thread.sleep(100);
        }
    }

    /** A nats-server with JetStream of the test's own, on a free port, with its store in a given directory. */
    static final class NatsServer {
        private final Path store;
        private final int port;
        private Process process;

        private NatsServer(Path store, int port) {
            this.store = store;
            this.port = port;
        }

        static NatsServer start(Path store) throws Exception {
            Path bin = installed("nats-server");
            Assumptions.assumeTrue(bin != null, "NATS does not answer on 127.0.0.1:4222 and nats-server is not installed");
            NatsServer s = new NatsServer(store, freePort());
            s.restart();
            return s;
        }

        /** Starts the server (again) on the same port and store. */
        void restart() throws Exception {
            process = new ProcessBuilder(installed("nats-server").toString(), "-a", "127.0.0.1", "-p",
                    Integer.toString(port), "-js", "-sd", store.toString())
                    .redirectErrorStream(true).redirectOutput(store.resolve("nats.log").toFile()).start();
            waitFor(process, port, 30);
        }

        void stop() {
            Brokers.stop(process);
        }

        String url() {
            return "nats://127.0.0.1:" + port;
        }
    }
}
