package afterme.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The servers a benchmark loads, each its own process: the bare Jetty handler, the hashing one and
 * afterme daemons.
 */
final class Servers {
    private static final Pattern URL = Pattern.compile("on (http://\\S+)");
    private static final Pattern SERVE_OPTIONS = Pattern.compile("serve\\) defaults=\"([^\"]*)\"");

    private Servers() {
    }

    static Process bare() throws Exception {
        return start(List.of(java(), "-cp", benchJar(), "afterme.bench.Bench", "bare-server"));
    }

    /** The bare handler hashing and writing every body into {@code file} ({@link HashingWrite}). */
    static Process hashing(Path file) throws Exception {
        return start(List.of(java(), "-Xmx256m", "-cp", benchJar(), "afterme.bench.Bench", "bare-server",
                file.toString()));
    }

    /** {@code afterme serve} from {@code jar} with the JVM options bin/afterme gives it, on an ephemeral port. */
    static Process afterme(Path jar, Path data) throws IOException {
        return afterme(jar, data, List.of());
    }

    /** The same, with more of serve's arguments. */
    static Process afterme(Path jar, Path data, List<String> extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(serveOptions());
        command.addAll(List.of("-jar", jar.toString(), "serve", "--data", data.toString(), "--listen", "127.0.0.1:0"));
        command.addAll(extra);
        return start(command);
    }

    /**
     * The JVM options bin/afterme gives {@code serve}, read from the script of the checkout this benchmark
     * was built in, so that every daemon it loads runs as {@code bin/afterme serve} does.
     */
    private static List<String> serveOptions() throws IOException {
        Path script;
        try {
            // afterme-bench/target/afterme-bench.jar (or target/classes) in the checkout
            script = Path.of(benchJar()).getParent().getParent().getParent().resolve("bin").resolve("afterme");
        } catch (Exception e) {
            throw new IOException("cannot find the checkout this benchmark was built in", e);
        }
        if (!Files.isRegularFile(script)) {
            throw new IOException("no " + script + ": the benchmarks give serve the JVM options of bin/afterme in"
                    + " the checkout they were built in; run afterme-bench/target/afterme-bench.jar there");
        }
        Matcher m = SERVE_OPTIONS.matcher(Files.readString(script));
        if (!m.find()) {
            throw new IOException(script + " gives serve no JVM options in the form serve) defaults=\"...\"");
        }
        return List.of(m.group(1).trim().split("\\s+"));
    }

    /** The URL the server printed on stderr; its later output is drained so that it never blocks. */
    static URI url(Process p) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        for (String line = err.readLine(); line != null; line = err.readLine()) {
            Matcher m = URL.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        err.transferTo(Writer.nullWriter());
                    } catch (IOException e) {
                        // the server went away; the benchmark notices on its next request
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return URI.create(m.group(1));
            }
        }
        throw new IOException("the server did not start");
    }

    static void stop(List<Process> processes) throws InterruptedException {
        for (Process p : processes) {
            if (p != null) {
                p.destroy();
                p.waitFor();
            }
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String benchJar() throws Exception {
        return Path.of(Servers.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static Process start(List<String> command) throws IOException {
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
