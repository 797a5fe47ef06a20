package afterme.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m", "-XX:+UseParallelGC", "-jar",
                jar.toString(), "serve", "--data", data.toString(), "--listen", "127.0.0.1:0"));
        command.addAll(extra);
        return start(command);
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
