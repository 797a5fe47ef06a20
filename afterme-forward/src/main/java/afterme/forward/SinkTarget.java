package afterme.forward;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Where a forwarder sends: the broker's URI (scheme, host, port, path and query parameters) and the
 * credentials read from a file. Secrets never come from the URI, so {@link #toString} (the URI) is safe to
 * print, store in a checkpoint and serve in {@code /v1/forwarders}. Immutable.
 */
public final class SinkTarget {
    private final URI uri;
    private final Map<String, String> params;
    private final Properties credentials;

    private SinkTarget(URI uri, Map<String, String> params, Properties credentials) {
        this.uri = uri;
        this.params = params;
        this.credentials = credentials;
    }

    /**
     * A target given as {@code afterme forward --to URI}, whose secrets come from {@code --credentials-file}.
     *
     * @param credentialsFile a Java properties file ({@code username}, {@code password}, {@code token}, or a
     *                        sink's own keys), or null
     * @throws IllegalArgumentException when the URI is not one, has no scheme or host, or carries a secret
     */
    public static SinkTarget parse(String text, Path credentialsFile) throws IOException {
        return parse(text, credentialsFile, "a file given with --credentials-file");
    }

    /**
     * @param credentialsFile as above
     * @param credentialsGiven how the user names a credentials file where this URI is given, for the message
     *                         that refuses a secret in the URI
     * @throws IllegalArgumentException when the URI is not one, has no scheme or host, or carries a secret
     */
    public static SinkTarget parse(String text, Path credentialsFile, String credentialsGiven) throws IOException {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URI: " + e.getReason());
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' needs a scheme and a host, as in "
                    + "amqp://127.0.0.1:5672/%2F?exchange=E&routing_key=K");
        }
        if (uri.getRawUserInfo() != null) {
            // Never echo the URI here: its user info may be the secret.
            throw new IllegalArgumentException("the " + uri.getScheme() + ":// URI must not carry a user or password;"
                    + " put them in " + credentialsGiven);
        }
        Properties credentials = new Properties();
        if (credentialsFile != null) {
            try (Reader r = Files.newBufferedReader(credentialsFile, StandardCharsets.UTF_8)) {
                credentials.load(r);
            } catch (IOException e) {
                // The JDK's message is the file alone, or the reason alone ("Is a directory"): say both.
                String why = e instanceof NoSuchFileException ? "no such file"
                        : e instanceof AccessDeniedException ? "permission denied"
                        : e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
                throw new IOException("cannot read the credentials file " + credentialsFile + ": " + why, e);
            }
        }
        return new SinkTarget(uri, query(uri.getRawQuery()), credentials);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (out.put(key, value) != null) {
                throw new IllegalArgumentException("parameter '" + key + "' is given twice");
            }
        }
        return out;
    }

    public String scheme() {
        return uri.getScheme();
    }

    public String host() {
        return uri.getHost();
    }

    public int port(int byDefault) {
        return uri.getPort() < 0 ? byDefault : uri.getPort();
    }

    /** The path without its leading slash, decoded; empty when there is none. */
    public String path() {
        String p = uri.getPath();
        return p == null || p.length() <= 1 ? "" : p.substring(1);
    }

    /** A query parameter, or null. */
    public String param(String name) {
        return params.get(name);
    }

    /** A query parameter that must be there. */
    public String required(String name) {
        String v = params.get(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException(uri.getScheme() + " URI needs ?" + name + "=...: " + uri);
        }
        return v;
    }

    /** Refuses a query parameter the sink does not know: a typo must not silently change where records go. */
    public void allowOnly(String... names) {
        for (String key : params.keySet()) {
            if (!Arrays.asList(names).contains(key)) {
                throw new IllegalArgumentException("unknown parameter '" + key + "' in " + uri + "; "
                        + uri.getScheme() + " takes " + String.join(", ", names));
            }
        }
    }

    /** A credential from the credentials file, or null. */
    public String credential(String key) {
        return credentials.getProperty(key);
    }

    /** The credentials whose keys start with {@code prefix}, the prefix taken off. */
    public Map<String, String> credentialsWithPrefix(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : credentials.stringPropertyNames()) {
            if (key.startsWith(prefix)) {
                out.put(key.substring(prefix.length()), credentials.getProperty(key));
            }
        }
        return out;
    }

    /** The URI as given: it holds no secret. */
    @Override
    public String toString() {
        return uri.toString();
    }
}
