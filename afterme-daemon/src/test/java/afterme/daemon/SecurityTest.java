package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.http.Limits;
import afterme.daemon.http.Tokens;
import afterme.daemon.log.Ack;
import afterme.daemon.log.Log;
import afterme.daemon.log.LogConfig;
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens and roles, and TLS. */
class SecurityTest {
    @TempDir
    Path dir;

    private static int status(Daemon d, String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(d.uri().resolve(path))
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}")
                        : HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return TestDaemon.CLIENT.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void everyRoleOnEveryKindOfEndpoint() throws Exception {
        Path tokenFile = dir.resolve("tokens");
        Files.writeString(tokenFile, "# token role\nw-123 append\nr-456 read\nboth-789 append,read\nroot-000 admin\n");
        try (Daemon d = TestDaemon.start(dir.resolve("data"), Tokens.load(tokenFile), List.of())) {
            String[][] endpoints = {{"POST", "/v1/records"}, {"GET", "/v1/records/1"}, {"GET", "/v1/log"},
                    {"GET", "/metrics"}};
            // rows: no token, unknown, append, read, append+read, admin
            int[][] expected = {
                    {401, 401, 401, 401},
                    {401, 401, 401, 401},
                    {200, 403, 403, 403},
                    {403, 200, 200, 403},
                    {200, 200, 200, 403},
                    {200, 200, 200, 200}};
            String[] tokens = {null, "nope", "w-123", "r-456", "both-789", "root-000"};
            for (int t = 0; t < tokens.length; t++) {
                for (int e = 0; e < endpoints.length; e++) {
                    assertEquals(expected[t][e], status(d, endpoints[e][0], endpoints[e][1], tokens[t]),
                            endpoints[e][0] + " " + endpoints[e][1] + " with " + tokens[t]);
                }
            }
            assertEquals(200, status(d, "GET", "/healthz", null), "health probes need no token");
            String metrics = TestDaemon.CLIENT.send(HttpRequest.newBuilder(d.uri().resolve("/metrics"))
                    .header("Authorization", "Bearer root-000").build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("\nafterme_errors_total{kind=\"http_4xx\"} 14\n"),
                    "every 401 and 403 counted: " + metrics);
        }
    }

    /** A token on two lines had the roles of the later line alone, silently. The message never holds the token. */
    @Test
    void aTokenGivenTwiceIsRefusedWithoutPrintingIt() throws Exception {
        Path tokenFile = dir.resolve("tokens");
        Files.writeString(tokenFile, "s3cret read\nw-123 append\ns3cret admin\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokens.load(tokenFile));
        assertTrue(e.getMessage().endsWith("line 3: the token of line 1 again; give each token one line with all its"
                + " roles, as in '<token> read,append'"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
    }

    /** A client that sends another scheme (Basic, say) is told which one this daemon takes, not that its token is unknown. */
    @Test
    void anotherAuthorizationSchemeIsToldToSendABearerToken() throws Exception {
        Path tokenFile = dir.resolve("tokens");
        Files.writeString(tokenFile, "r-456 read\n");
        try (Daemon d = TestDaemon.start(dir.resolve("data"), Tokens.load(tokenFile), List.of())) {
            for (String[] given : new String[][] {{"Basic ci00NTY6", "needs 'Authorization: Bearer <token>'"},
                    {"Bearer nope", "unknown token"}}) {
                HttpResponse<String> get = TestDaemon.CLIENT.send(HttpRequest.newBuilder(d.uri().resolve("/v1/log"))
                        .header("Authorization", given[0]).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(401, get.statusCode(), given[0]);
                assertTrue(get.body().contains(given[1]), given[0] + ": " + get.body());
                assertEquals("Bearer realm=\"afterme\"", get.headers().firstValue("WWW-Authenticate").orElse(null));
            }
        }
    }

    /**
     * A refusal sent before the body is read says the connection closes, so that a client does not send
     * its next request on it (Jetty closes a connection whose body was left unread); a refused request
     * without a body keeps its connection.
     */
    @Test
    void refusalsOfRequestsWithABodyCloseTheConnectionAndSaySo() throws Exception {
        Path tokenFile = dir.resolve("tokens");
        Files.writeString(tokenFile, "w-123 append\n");
        try (Daemon d = TestDaemon.start(dir.resolve("data"), Tokens.load(tokenFile), List.of())) {
            for (int i = 0; i < 50; i++) {
                HttpResponse<String> post = TestDaemon.post(d, "/v1/records", "{\"i\":" + i + "}",
                        "Authorization", "Bearer nope");
                assertEquals(401, post.statusCode(), post.body());
                assertEquals("close", post.headers().firstValue("Connection").orElse(null));
                HttpResponse<String> badAck = TestDaemon.post(d, "/v1/records?ack=maybe", "{}", "Authorization",
                        "Bearer w-123");
                assertEquals(400, badAck.statusCode(), badAck.body());
                assertEquals("close", badAck.headers().firstValue("Connection").orElse(null));
            }
            HttpResponse<String> get = TestDaemon.CLIENT.send(HttpRequest.newBuilder(d.uri().resolve("/v1/log"))
                    .header("Authorization", "Bearer nope").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, get.statusCode());
            assertTrue(get.headers().firstValue("Connection").isEmpty(), get.headers().map().toString());
        }
    }

    @Test
    void tlsRoundTrip() throws Exception {
        Path keystore = dir.resolve("keystore.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "afterme", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "s3cret", "-keypass", "s3cret")
                .redirectErrorStream(true).start();
        assertEquals(0, keytool.waitFor(), new String(keytool.getInputStream().readAllBytes()));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(keystore.toFile())) {
            trust.load(in, "s3cret".toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(ssl).build();
        try (Daemon d = Daemon.start(Log.open(LogConfig.defaults(dir.resolve("data"))), new Daemon.HttpOptions(
                "127.0.0.1", 0, new Limits(1024, 4096, Ack.MEMORY), null, keystore, "s3cret", List.of(), List.of()))) {
            assertEquals("https", d.uri().getScheme());
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(d.uri().resolve("/v1/records?ack=durable"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"secure\":true}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"durable\":true"));
            HttpResponse<String> back = client.send(HttpRequest.newBuilder(d.uri().resolve("/v1/records/1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("{\"secure\":true}", back.body());
            URI plain = URI.create("http://127.0.0.1:" + d.uri().getPort() + "/v1/records?ack=durable");
            HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(plain)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"secure\":false}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("\"error\":\"https_required\"")
                    && refused.body().contains("https://127.0.0.1:" + d.uri().getPort() + "/v1/records?ack=durable"),
                    refused.body());
            assertEquals(1, d.log().lastSeq(), "a plain request appends nothing");
        }
    }
}
