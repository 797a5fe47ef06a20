package afterme.bench;

import afterme.daemon.log.Ack;
import afterme.forward.ForwarderConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Benchmarks, run by hand (never by mvn verify):
 * {@code java -jar afterme-bench/target/afterme-bench.jar engine|http|sweep|tools|startup [DIR] [AFTERME]}, and
 * {@code http-ab DIR JAR_A JAR_B} to compare two builds of the daemon.
 * DIR (default ./bench-data) must be on the file system being measured; AFTERME is the afterme jar for
 * http and the launcher for tools.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "engine";
        Path dir = Path.of(args.length > 1 ? args[1] : "bench-data");
        switch (what) {
            case "engine" -> new EngineBench(dir, System.out).run();
            case "engine-one" -> new EngineBench(dir, System.out).runOne(Integer.parseInt(args[2]),
                    Ack.valueOf(args[3].toUpperCase(Locale.ROOT)), Integer.parseInt(args[4]));
            case "http" -> new HttpBench(dir, Path.of(args.length > 2 ? args[2] : "afterme-cli/target/afterme.jar"),
                    System.out).run();
            case "http-ab" -> {
                // After "--": serve's own arguments for B alone, e.g. a forwarder whose broker is down.
                int dashes = List.of(args).indexOf("--");
                List<String> own = dashes < 0 ? List.of(args) : List.of(args).subList(0, dashes);
                List<String> extraB = dashes < 0 ? List.of() : List.of(args).subList(dashes + 1, args.length);
                new HttpAb(dir, Path.of(own.get(2)), Path.of(own.get(3)), extraB, System.out).run(
                        own.size() > 4 ? own.get(4) : "memory", own.size() > 5 ? Integer.parseInt(own.get(5)) : 64,
                        own.size() > 6 ? Integer.parseInt(own.get(6)) : 1024);
            }
            case "forward" -> {
                List<String> brokers = new ArrayList<>(List.of(args).subList(2, args.length));
                int window = ForwarderConfig.DEFAULT_WINDOW_RECORDS;
                if (!brokers.isEmpty() && brokers.get(0).startsWith("window=")) {
                    window = Integer.parseInt(brokers.remove(0).substring("window=".length()));
                }
                new ForwardBench(dir, window, System.out).run(brokers);
            }
            case "bare-server" -> BareServer.run(args.length > 1 ? Path.of(args[1]) : null);
            case "tools" -> new ToolsBench(dir, Path.of(args.length > 2 ? args[2] : "bin/afterme"),
                    System.out).run();
            case "sweep" -> new SizeSweep(dir, Path.of(args.length > 2 ? args[2] : "afterme-cli/target/afterme.jar"),
                    System.out).run();
            case "startup" -> new StartupBench(dir, Path.of(args.length > 2 ? args[2] : "bin/afterme"),
                    System.out).run();
            default -> {
                System.err.println("usage: afterme-bench engine|http|sweep|tools|startup [DIR] [AFTERME]\n"
                        + "       afterme-bench engine-one DIR BYTES memory|durable APPENDERS\n"
                        + "       afterme-bench http-ab DIR JAR_A JAR_B [memory|durable [CONNECTIONS [BYTES]]] [-- SERVE_ARGS_B]\n"
                        + "       afterme-bench forward DIR [window=N] amqp://HOST:PORT|nats://HOST:PORT|kafka://HOST:PORT...\n"
                        + "AFTERME: for http and sweep the afterme jar, for tools and startup the launcher (default bin/afterme)");
                System.exit(2);
            }
        }
    }
}
