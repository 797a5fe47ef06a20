package afterme.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code afterme serve} as a separate process on an ephemeral port, as an operator would run it. */
final class ServeProcess implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("on (https?://\\S+)");

    final Process process;
    final URI uri;
    private final StringBuffer stderr = new StringBuffer();

    ServeProcess(Path dir, String... extra) throws IOException {
        this(dir, Map.of(), extra);
    }

    /** @param env added to this process's environment, such as JAVA_TOOL_OPTIONS for the JVM's limits */
    ServeProcess(Path dir, Map<String, String> env, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("serve", "--data", dir.toString(), "--listen", "127.0.0.1:0"));
        args.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(Proc.command(args.toArray(String[]::new)))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        process = builder.start();
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        URI found = null;
        for (String line = err.readLine(); line != null; line = err.readLine()) {
            stderr.append(line).append('\n');
            Matcher m = URL.matcher(line);
            if (m.find()) {
                found = URI.create(m.group(1));
                break;
            }
        }
        if (found == null) {
            String exit;
            try {
                exit = process.waitFor(10, TimeUnit.SECONDS) ? "exit " + process.exitValue() : "still running";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exit = "interrupted";
            }
            throw new IOException("afterme serve did not start (" + exit + "): " + stderr);
        }
        uri = found;
        Thread drain = new Thread(() -> {
            try {
                for (String line = err.readLine(); line != null; line = err.readLine()) {
                    stderr.append(line).append('\n');
                }
            } catch (IOException e) {
                stderr.append("(stderr closed: ").append(e).append(")\n");
            }
        });
        drain.setDaemon(true);
        drain.start();
    }

    String stderr() {
        return stderr.toString();
    }

    /** SIGTERM, then the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("serve did not stop within 60 s after SIGTERM: " + stderr);
        }
        return process.exitValue();
    }

    /** kill -9. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
