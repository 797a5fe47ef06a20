package afterme.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * wrk (Debian's package), a C load generator, so that the client costs the 2 cores as little as
 * possible: POSTs of one body over N keep-alive connections, each carrying one request at a time.
 */
final class Wrk {
    record Result(double requestsPerSecond, double recordsPerSecond, double mbps, long p50Micros, long p99Micros) {
    }

    private final Path dir;

    /** {@code dir} holds the body and the script wrk reads. */
    Wrk(Path dir) {
        this.dir = dir;
    }

    /** Loads {@code uri} for {@code warmUp} unmeasured, then {@code duration} measured (wrk durations: "3s"). */
    Result load(URI uri, byte[] body, int connections, int recordsPerRequest, String warmUp, String duration)
            throws Exception {
        Path bodyFile = dir.resolve("wrk-body.bin");
        Files.write(bodyFile, body);
        Path script = dir.resolve("wrk-post.lua");
        Files.writeString(script, "wrk.method = \"POST\"\n"
                + "local f = io.open(\"" + bodyFile + "\", \"rb\")\nwrk.body = f:read(\"*a\")\nf:close()\n"
                + "wrk.headers[\"Content-Type\"] = \"application/x-ndjson\"\n");
        int threads = Math.min(2, connections);
        if (warmUp != null) {
            run(threads, connections, warmUp, script, uri);
        }
        String out = run(threads, connections, duration, script, uri);
        if (out.contains("Non-2xx") || out.contains("Socket errors")) {
            throw new IllegalStateException("errors against " + uri + ":\n" + out + "one more request answered: "
                    + answer(uri, body));
        }
        double rps = number(out, "Requests/sec:\\s+([0-9.]+)");
        return new Result(rps, rps * recordsPerRequest, rps * body.length / 1e6, micros(out, "50%"),
                micros(out, "99%"));
    }

    /**
     * The status and reply of one POST of {@code body}: wrk counts refusals but never says what they were
     * (a full disk, 507, looks like any other).
     */
    private static String answer(URI uri, byte[] body) {
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(body.length);
            c.setRequestProperty("Content-Type", "application/x-ndjson");
            try (OutputStream o = c.getOutputStream()) {
                o.write(body);
            }
            int status = c.getResponseCode();
            InputStream reply = status < 400 ? c.getInputStream() : c.getErrorStream();
            String text = reply == null ? "" : new String(reply.readAllBytes(), StandardCharsets.UTF_8).strip();
            return status + " " + text;
        } catch (IOException e) {
            return "no answer (" + e + ")";
        }
    }

    private static String run(int threads, int connections, String duration, Path script, URI uri)
            throws Exception {
        Process p = new ProcessBuilder("wrk", "-t" + threads, "-c" + connections, "-d" + duration, "--latency",
                "--timeout", "30s", "-s", script.toString(), uri.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("wrk failed (is it installed? apt-get install wrk):\n" + out);
        }
        return out;
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no " + regex + " in wrk's output:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    /** A latency percentile line of wrk --latency ("50%  1.23ms") in microseconds. */
    private static long micros(String text, String percentile) {
        Matcher m = Pattern.compile("(?m)^\\s+" + percentile + "\\s+([0-9.]+)(us|ms|s)").matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no " + percentile + " latency in wrk's output:\n" + text);
        }
        double v = Double.parseDouble(m.group(1));
        return (long) switch (m.group(2)) {
            case "us" -> v;
            case "ms" -> v * 1000;
            default -> v * 1_000_000;
        };
    }
}
