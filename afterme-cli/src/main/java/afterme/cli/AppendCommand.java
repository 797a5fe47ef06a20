package afterme.cli;

import afterme.command.Choices;
import afterme.command.Converters;
import afterme.command.ExitCodes;
import afterme.command.FileArgument;
import afterme.terminal.Tty;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code afterme append}: one record (or a batch of NDJSON lines) appended through a running daemon, the
 * way a shell script writes a command or an event. Prints the daemon's reply; the exit code says what
 * happened (README.md): 0 appended or a duplicate, 1 refused, 2 usage, 3 the daemon cannot be reached,
 * 4 a conflict with {@code --expect-last-seq}.
 */
@Command(name = "append", mixinStandardHelpOptions = true,
        description = "Append FILE (or stdin) through a running daemon and print its reply.")
public final class AppendCommand implements Callable<Integer> {
    static final String TOKEN_ENV = "AFTERME_TOKEN_FILE";
    /** The expected last seq was not the log's. */
    static final int CONFLICT = 4;
    private static final String DEFAULT_URL = "http://127.0.0.1:7070";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The payload (default: stdin; - is stdin).")
    String file;

    @Option(names = "--url", paramLabel = "URL", converter = Converters.HttpUrlConverter.class,
            description = "The daemon (default: ${DEFAULT-VALUE}).")
    URI url = URI.create(DEFAULT_URL);

    @Option(names = "--token-file", paramLabel = "F", description = "A file whose first word is the bearer token"
            + " (default: $AFTERME_TOKEN_FILE).")
    Path tokenFile;

    @Option(names = "--ack", paramLabel = "LEVEL", completionCandidates = Choices.AckLevels.class,
            description = "memory or durable (default: the daemon's --ack). Values: ${COMPLETION-CANDIDATES}.")
    String ack;

    @Option(names = "--key", paramLabel = "K", description = "Idempotency key: a repeat within the daemon's window"
            + " appends nothing and gets the first reply.")
    String key;

    @Option(names = "--expect-last-seq", paramLabel = "N", description = "Append only if the log's last seq is N"
            + " (exit 4 otherwise).")
    Long expectLastSeq;

    @Option(names = "--content-type", paramLabel = "T", description = "The record's content type.")
    String contentType;

    @Option(names = "--batch", description = "Each non-empty line of the input (one JSON value each) is a record,"
            + " all or nothing.")
    boolean batch;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long to wait for the reply (default:"
            + " ${DEFAULT-VALUE}).")
    int timeoutSeconds = 30;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (ack != null && !ack.equals("memory") && !ack.equals("durable")) {
            throw new CommandLine.ParameterException(cl, "--ack must be memory or durable, not '" + ack + "'");
        }
        if (timeoutSeconds < 1) {
            throw new CommandLine.ParameterException(cl, "--timeout must be at least 1 second, not " + timeoutSeconds);
        }
        URI target = target(cl);
        Path tokenFrom = tokenFile(cl);
        String token = tokenFrom == null ? null : token(tokenFrom);
        if (tokenFrom != null && token == null) {
            throw new CommandLine.ParameterException(cl, "token file " + tokenFrom + " holds no token");
        }
        // After every option is checked: a payload typed at the terminal is not asked for in vain.
        byte[] body = readBody(cl);
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        // HttpURLConnection rather than java.net.http.HttpClient: the client's start (its executor, its
        // default SSL context with the trust store, even for http) made every append take 1.1 s of CPU
        // where this takes a tenth of it, and scripts append in loops.
        HttpURLConnection c = (HttpURLConnection) target.toURL().openConnection();
        c.setConnectTimeout(5_000);
        c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, timeoutSeconds * 1_000L));
        c.setInstanceFollowRedirects(false);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        // Streamed with its length: a streamed request is never sent again after a broken connection, which
        // for a POST would append twice.
        c.setFixedLengthStreamingMode(body.length);
        // Without one, HttpURLConnection would send a POST as application/x-www-form-urlencoded and the
        // record would carry that type; an empty one the daemon reads as none, as it does a request
        // without the header, so that a record is given a type only by --content-type.
        c.setRequestProperty("Content-Type", contentType != null ? contentType : batch ? "application/x-ndjson" : "");
        if (key != null) {
            c.setRequestProperty("Idempotency-Key", key);
        }
        if (expectLastSeq != null) {
            c.setRequestProperty("Afterme-Expected-Last-Seq", Long.toString(expectLastSeq));
        }
        if (token != null) {
            c.setRequestProperty("Authorization", "Bearer " + token);
        }
        try {
            c.connect();
        } catch (SSLException e) {
            err.println("afterme append: the daemon at " + url + " answered, but TLS failed: " + tlsFailure(e));
            return ExitCodes.CANNOT_RUN;
        } catch (IOException e) {
            String why = e instanceof UnknownHostException ? "unknown host " + e.getMessage()
                    : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            err.println("afterme append: cannot reach the daemon at " + url + " (" + why
                    + "); is 'afterme serve' running there?");
            return ExitCodes.CANNOT_RUN;
        }
        int status;
        String text;
        try {
            try (OutputStream o = c.getOutputStream()) {
                o.write(body);
            }
            status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
        } catch (IOException e) {
            err.println("afterme append: the daemon at " + url + " did not answer: " + e.getMessage());
            return ExitCodes.CANNOT_RUN;
        } finally {
            c.disconnect();
        }
        if (status == 200) {
            out.println(text);
            return ExitCodes.OK;
        }
        if (status == 401) {
            // HttpURLConnection keeps no body of a 401 to a streamed request (answering the challenge would
            // mean sending the request again), so the reason is told here.
            text = token == null
                    ? "the daemon wants a token: give --token-file FILE, or set " + TOKEN_ENV
                            + " to one (the token is the file's first word)"
                    : "the daemon does not know the token in " + tokenFrom;
        }
        err.println("afterme append: " + status + " " + text);
        return status == 409 ? CONFLICT : ExitCodes.DATA_PROBLEM;
    }

    /**
     * Why TLS failed and what to do, without the JSSE class names its messages nest ("PKIX path building
     * failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find ..."): an untrusted
     * or mismatched certificate is said as such, with the innermost reason, and goes into the trust store;
     * any other failure is most often a port that speaks plain HTTP, whose reply JSSE calls an unrecognized
     * message.
     */
    private String tlsFailure(SSLException e) {
        Throwable root = e;
        boolean certificate = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            certificate |= t instanceof GeneralSecurityException;
            root = t;
        }
        String reason = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        if (certificate) {
            return "its certificate is not trusted here (" + reason + "); a certificate of your own (self-signed, or"
                    + " from a private CA) must be in the trust store that AFTERME_JAVA_OPTS names with"
                    + " -Djavax.net.ssl.trustStore and -Djavax.net.ssl.trustStorePassword";
        }
        return reason + "; if the daemon serves plain HTTP there, use --url "
                + url.toString().replaceFirst("^https:", "http:");
    }

    /**
     * The endpoint under {@code --url}, which may carry a path (a proxy's prefix) but not an endpoint of its
     * own: {@code http://127.0.0.1:7070/v1/records} made {@code /v1/records/v1/records}, and the daemon's
     * 405 "use GET" did not say why.
     */
    private URI target(CommandLine cl) {
        String path = url.getPath() == null ? "" : url.getPath();
        if (path.contains("/v1/") || path.endsWith("/v1") || url.getRawQuery() != null) {
            throw new CommandLine.ParameterException(cl, "--url is the daemon's address, as " + DEFAULT_URL + ", not '"
                    + url + "': append adds /v1/records itself, and --ack, --batch and --key say the rest");
        }
        String base = url.toString().replaceFirst("/+$", "");
        return URI.create(base + (batch ? "/v1/records/batch" : "/v1/records") + (ack != null ? "?ack=" + ack : ""));
    }

    private byte[] readBody(CommandLine cl) throws IOException {
        if (file == null && Tty.stdinIsTerminal()) {
            // Not a silent wait, as cat's: whoever forgot the FILE learns what the command is waiting for.
            cl.getErr().println("afterme append: reading the payload from the terminal, up to Ctrl-D (or give FILE,"
                    + " or pipe the payload in)");
            cl.getErr().flush();
        }
        if (file == null || file.equals("-")) {
            try (InputStream in = System.in) {
                return in.readAllBytes();
            }
        }
        Path p = Path.of(file);
        String unreadable = FileArgument.unreadable(p);
        if (unreadable != null) {
            throw new CommandLine.ParameterException(cl, unreadable);
        }
        return Files.readAllBytes(p);
    }

    /** --token-file, else AFTERME_TOKEN_FILE, else null. */
    private Path tokenFile(CommandLine cl) {
        Path f = tokenFile;
        if (f == null && System.getenv(TOKEN_ENV) != null && !System.getenv(TOKEN_ENV).isEmpty()) {
            f = Path.of(System.getenv(TOKEN_ENV));
        }
        String unreadable = f == null ? null : FileArgument.unreadable(f);
        if (unreadable != null) {
            throw new CommandLine.ParameterException(cl, "token file " + unreadable);
        }
        return f;
    }

    /** The file's first word: the token alone, or a line of serve's token file. */
    private static String token(Path f) throws IOException {
        String[] words = Files.readString(f, StandardCharsets.UTF_8).strip().split("\\s+");
        return words.length == 0 || words[0].isEmpty() ? null : words[0];
    }
}
