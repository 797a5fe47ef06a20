package afterme.bench;

import afterme.daemon.log.Ack;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Benchmarks, run by hand (never by mvn verify):
 * {@code java -jar afterme-bench/target/afterme-bench.jar engine|http|tools [DIR] [AFTERME]}, and
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
            case "http-ab" -> new HttpAb(dir, Path.of(args[2]), Path.of(args[3]), System.out).run(
                    args.length > 4 ? args[4] : "memory", args.length > 5 ? Integer.parseInt(args[5]) : 64,
                    args.length > 6 ? Integer.parseInt(args[6]) : 1024);
            case "bare-server" -> BareServer.run(args.length > 1 ? Path.of(args[1]) : null);
            case "tools" -> new ToolsBench(dir, Path.of(args.length > 2 ? args[2] : "bin/afterme"),
                    System.out).run();
            default -> {
                System.err.println("usage: afterme-bench engine|http|tools [DIR] [AFTERME]\n"
                        + "       afterme-bench engine-one DIR BYTES memory|durable APPENDERS\n"
                        + "       afterme-bench http-ab DIR JAR_A JAR_B [memory|durable [CONNECTIONS [BYTES]]]\n"
                        + "AFTERME: for http the afterme jar, for tools the launcher (default bin/afterme)");
                System.exit(2);
            }
        }
    }
}
