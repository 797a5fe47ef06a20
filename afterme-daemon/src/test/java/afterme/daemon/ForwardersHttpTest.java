package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.forward.MemorySinkProvider;
import afterme.forward.ForwardSpec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/forwarders} and the forwarder families of {@code /metrics}, through real HTTP. */
@Timeout(60)
class ForwardersHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static HttpResponse<String> get(Daemon d, String path) throws Exception {
        return TestDaemon.CLIENT.send(HttpRequest.newBuilder(d.uri().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void forwardersAreListedAndMeasuredWithoutSecrets() throws Exception {
        String broker = "b" + UUID.randomUUID().toString().replace("-", "");
        String down = "b" + UUID.randomUUID().toString().replace("-", "");
        MemorySinkProvider.down(down);
        Path credentials = dir.resolveSibling(dir.getFileName() + ".credentials");
        Files.writeString(credentials, "password=hunter2\n");
        try (Daemon d = TestDaemon.startForwarding(dir, List.of(
                ForwardSpec.parse("up=memory://" + broker + "?on_reject=dead-letter", Duration.ofSeconds(1)),
                ForwardSpec.parse("down=memory://" + down + "?from=end&credentials_file=" + credentials,
                        Duration.ofSeconds(1))))) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, TestDaemon.post(d, "/v1/records?ack=durable", "{\"i\":" + i + "}").statusCode());
            }
            JsonNode list;
            do {
                HttpResponse<String> r = get(d, "/v1/forwarders");
                assertEquals(200, r.statusCode());
                assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
                list = JSON.readTree(r.body());
            } while (list.get(0).get("forwarded_seq").asLong() < 3 || list.get(1).get("retries").asLong() < 1);
            JsonNode up = list.get(0);
            assertEquals("up", up.get("name").asText());
            assertEquals("memory://" + broker, up.get("sink").asText(), "the forwarder's own parameters are not the sink's");
            assertEquals("running", up.get("state").asText());
            assertEquals(0, up.get("lag_records").asLong());
            assertEquals(0.0, up.get("lag_seconds").asDouble());
            assertTrue(up.get("last_error").isNull());
            JsonNode dn = list.get(1);
            assertEquals("retrying", dn.get("state").asText());
            assertEquals(0, dn.get("forwarded_seq").asLong(), "from=end on an empty log");
            assertEquals(3, dn.get("lag_records").asLong());
            assertTrue(dn.get("lag_seconds").asDouble() >= 0);
            assertTrue(dn.get("last_error").asText().contains("is down"), dn.toString());

            String metrics = get(d, "/metrics").body();
            for (String line : List.of("afterme_forwarder_forwarded_seq{forwarder=\"up\"} 3",
                    "afterme_forwarder_lag_records{forwarder=\"down\"} 3",
                    "afterme_forwarder_state{forwarder=\"up\",state=\"running\"} 1",
                    "afterme_forwarder_state{forwarder=\"down\",state=\"retrying\"} 1",
                    "afterme_forwarder_confirm_seconds_count{forwarder=\"up\"} 3",
                    "afterme_forwarder_dead_lettered_total{forwarder=\"up\"} 0",
                    "# TYPE afterme_forwarder_confirm_seconds histogram")) {
                assertTrue(metrics.contains(line + "\n"), line + " in\n" + metrics);
            }
            assertTrue(metrics.contains("afterme_forwarder_confirm_seconds_bucket{forwarder=\"up\",le=\"+Inf\"} 3\n"));
            assertTrue(metrics.matches("(?s).*afterme_forwarder_retries_total\\{forwarder=\"down\"} [1-9].*"));
            assertTrue(!metrics.contains("hunter2") && !list.toString().contains("hunter2"), "no secret shown");
            assertEquals(405, TestDaemon.post(d, "/v1/forwarders", "").statusCode());
        }
    }
}
