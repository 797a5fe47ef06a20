package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.http.Limits;
import afterme.daemon.log.Ack;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API end to end, through a real client on an ephemeral port. */
class HttpApiTest {
    @TempDir
    Path dir;
    private Daemon daemon;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        daemon = TestDaemon.start(dir, new Limits(1024, 4096, Ack.MEMORY));
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(daemon.uri().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(daemon.uri().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void appendThenReadBack() throws Exception {
        HttpResponse<String> r = post("/v1/records?ack=durable", "{\"type\":\"OrderPlaced\"}",
                "Content-Type", "application/json");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"seq\":1") && r.body().contains("\"durable\":true"), r.body());
        assertEquals("/v1/records/1", r.headers().firstValue("Location").orElseThrow());
        HttpResponse<String> one = get("/v1/records/1");
        assertEquals("{\"type\":\"OrderPlaced\"}", one.body());
        assertEquals("application/json", one.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("1", one.headers().firstValue("Afterme-Seq").orElseThrow());
        assertEquals(404, get("/v1/records/2").statusCode());
        // Outside the log, however far: 404; not a number: 400.
        for (String seq : List.of("0", "-1", "9223372036854775808", "99999999999999999999999")) {
            HttpResponse<String> outside = get("/v1/records/" + seq);
            assertEquals(404, outside.statusCode(), seq + ": " + outside.body());
            assertTrue(outside.body().contains("seq " + seq + " is not in the log"), outside.body());
        }
        assertEquals(400, get("/v1/records/abc").statusCode());
        assertEquals(400, get("/v1/records/+1").statusCode());
        assertTrue(get("/v1/log").body().contains("\"last_seq\":1"));
        assertTrue(get("/v1/records?from=1").body().contains("\"payload\":{\"type\":\"OrderPlaced\"}"));
    }

    /** A client that holds a record's ETag gets 304 and no payload; another tag, or none, gets the record. */
    @Test
    void aRecordsEtagAnswersIfNoneMatchWith304() throws Exception {
        post("/v1/records?ack=durable", "{\"type\":\"OrderPlaced\"}", "Content-Type", "application/json");
        String etag = get("/v1/records/1").headers().firstValue("ETag").orElseThrow();
        assertEquals("\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("{\"type\":\"OrderPlaced\"}".getBytes(StandardCharsets.UTF_8))) + "\"", etag);
        for (String held : List.of(etag, "W/" + etag, "\"other\", " + etag, "*")) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(daemon.uri().resolve("/v1/records/1"))
                    .header("If-None-Match", held).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(304, r.statusCode(), held);
            assertEquals("", r.body(), held);
            assertEquals(etag, r.headers().firstValue("ETag").orElseThrow(), held);
            assertEquals("22", r.headers().firstValue("Content-Length").orElse("22"), "a 200's length, or none");
        }
        HttpResponse<String> other = client.send(HttpRequest.newBuilder(daemon.uri().resolve("/v1/records/1"))
                .header("If-None-Match", "\"other\"").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, other.statusCode());
        assertEquals("{\"type\":\"OrderPlaced\"}", other.body());
        HttpResponse<String> missing = client.send(HttpRequest.newBuilder(daemon.uri().resolve("/v1/records/2"))
                .header("If-None-Match", "*").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode(), "no record, nothing to match");
    }

    @Test
    void theAppendRepliesCarryExactlySpecFieldsAsJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        byte[] sha = MessageDigest.getInstance("SHA-256").digest("hello".getBytes(StandardCharsets.UTF_8));
        JsonNode one = json.readTree(post("/v1/records?ack=durable", "hello", "Idempotency-Key", "k").body());
        assertEquals(List.of("seq", "time", "size", "sha256", "durable"), fieldNames(one));
        assertEquals(1, one.get("seq").asLong());
        assertEquals(daemon.log().read(1).time(), Instant.parse(one.get("time").asText()));
        assertEquals(5, one.get("size").asInt());
        assertEquals(HexFormat.of().formatHex(sha), one.get("sha256").asText());
        assertTrue(one.get("durable").isBoolean() && one.get("durable").asBoolean(), one.toString());
        JsonNode again = json.readTree(post("/v1/records", "hello", "Idempotency-Key", "k").body());
        assertEquals(List.of("seq", "time", "size", "sha256", "durable", "duplicate"), fieldNames(again));
        assertTrue(again.get("duplicate").asBoolean());
        JsonNode batch = json.readTree(post("/v1/records/batch", "{\"a\":1}\n{\"b\":2}\n").body());
        assertEquals(List.of("first_seq", "last_seq", "count", "durable"), fieldNames(batch));
        assertEquals(List.of(2L, 3L, 2L), List.of(batch.get("first_seq").asLong(), batch.get("last_seq").asLong(),
                batch.get("count").asLong()));
        assertTrue(batch.get("durable").isBoolean(), batch.toString());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void badInputChangesNothing() throws Exception {
        assertEquals(413, post("/v1/records", "x".repeat(2000)).statusCode());
        HttpResponse<String> malformed = post("/v1/records/batch", "{\"a\":1}\nnot json\n");
        assertEquals(400, malformed.statusCode());
        assertTrue(malformed.body().contains("\"error\":\"malformed_batch\"") && malformed.body().contains("line 2"));
        String wrong = Base64.getEncoder().encodeToString(new byte[32]);
        HttpResponse<String> digest = post("/v1/records", "hello", "Content-Digest", "sha-256=:" + wrong + ":");
        assertEquals(400, digest.statusCode());
        assertTrue(digest.body().contains("digest_mismatch"));
        assertEquals(409, post("/v1/records", "x", "Afterme-Expected-Last-Seq", "5").statusCode());
        assertEquals(0, daemon.log().lastSeq());
        HttpResponse<String> batch = post("/v1/records/batch", "{\"a\":1}\n\n{\"b\":2}\n");
        assertTrue(batch.body().contains("\"first_seq\":1,\"last_seq\":2,\"count\":2"), batch.body());
        // CRLF line ends: the '\r' is the line end's, not the record's.
        HttpResponse<String> crlf = post("/v1/records/batch", "{\"c\":3}\r\n\r\n{\"d\":4}\r\n");
        assertTrue(crlf.body().contains("\"first_seq\":3,\"last_seq\":4,\"count\":2"), crlf.body());
        assertEquals("{\"c\":3}", new String(daemon.log().read(3).payload(), StandardCharsets.UTF_8));
        assertEquals("{\"d\":4}", new String(daemon.log().read(4).payload(), StandardCharsets.UTF_8));
    }

    @Test
    void aMatchingContentDigestAppendsTheBodyUnderThatHash() throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest("hello".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = post("/v1/records", "hello", "Content-Digest",
                "sha-256=:" + Base64.getEncoder().encodeToString(sha) + ":");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"sha256\":\"" + HexFormat.of().formatHex(sha) + "\""), r.body());
        assertArrayEquals(sha, daemon.log().read(1).sha256());
    }

    @Test
    void idempotencyKeyAppendsOnce() throws Exception {
        post("/v1/records", "a", "Idempotency-Key", "k-1");
        HttpResponse<String> again = post("/v1/records", "a", "Idempotency-Key", "k-1");
        assertTrue(again.body().contains("\"seq\":1") && again.body().contains("\"duplicate\":true"), again.body());
        assertEquals(1, daemon.log().lastSeq());
    }

    @Test
    void serverSentEventsCatchUpFromDisk() throws Exception {
        post("/v1/records?ack=durable", "{\"n\":1}");
        post("/v1/records?ack=durable", "{\"n\":2}");
        HttpRequest req = HttpRequest.newBuilder(URI.create(daemon.uri() + "/v1/subscribe?from=1"))
                .header("Accept", "text/event-stream").header("Last-Event-ID", "1").build();
        try (var lines = client.send(req, HttpResponse.BodyHandlers.ofLines()).body()) {
            List<String> events = lines.filter(l -> l.startsWith("event:") || l.startsWith("id:")).limit(3).toList();
            assertEquals(List.of("event: durable", "event: record", "id: 2"), events);
        }
    }

    /**
     * A seq or count past a long's range is past the end of the log, or no limit, as {@code GET
     * /v1/records/{seq}} takes it; text that is no decimal number is refused, naming the parameter.
     */
    @Test
    void numbersPastALongsRangeArePastTheLogAndNotNumbersAreRefused() throws Exception {
        post("/v1/records?ack=durable", "{\"n\":1}");
        String huge = "99999999999999999999";
        HttpResponse<String> past = get("/v1/records?from=" + huge);
        assertEquals(200, past.statusCode(), past.body());
        assertEquals("", past.body());
        HttpResponse<String> unlimited = get("/v1/records?from=1&limit=" + huge);
        assertEquals(200, unlimited.statusCode(), unlimited.body());
        assertTrue(unlimited.body().contains("\"seq\":1,"), unlimited.body());
        for (String path : List.of("/v1/records?from=-1", "/v1/records?from=%2B1", "/v1/records?limit=1x",
                "/v1/records?from=", "/v1/subscribe?from=abc")) {
            HttpResponse<String> r = get(path);
            assertEquals(400, r.statusCode(), path + ": " + r.body());
            assertTrue(r.body().contains("must be a number >= 0"), path + ": " + r.body());
        }
        // After the largest seq there is none: the stream waits, where from = that + 1 once wrapped negative.
        HttpRequest req = HttpRequest.newBuilder(URI.create(daemon.uri() + "/v1/subscribe"))
                .header("Accept", "text/event-stream").header("Last-Event-ID", String.valueOf(Long.MAX_VALUE)).build();
        try (var lines = client.send(req, HttpResponse.BodyHandlers.ofLines()).body()) {
            assertEquals(List.of("event: durable", "data: {\"type\":\"durable\",\"durable_seq\":1}"),
                    lines.filter(l -> l.startsWith("event:") || l.startsWith("data:")).limit(2).toList());
        }
    }

    /** {@code records=none}: the durable messages alone, however many records there are to catch up on. */
    @Test
    void recordsNoneStreamsDurableMessagesOnly() throws Exception {
        for (int i = 1; i <= 3; i++) {
            post("/v1/records?ack=durable", "{\"n\":" + i + "}");
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create(daemon.uri() + "/v1/subscribe?from=1&records=none"))
                .header("Accept", "text/event-stream").build();
        try (var lines = client.send(req, HttpResponse.BodyHandlers.ofLines()).body()) {
            List<String> events = new ArrayList<>();
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("event:") || line.startsWith("data:")) {
                    events.add(line);
                }
                // The durable message may come before the records caught up from disk: one more record,
                // live, and its durable message, come after them all.
                if (line.contains("\"durable_seq\":3")) {
                    post("/v1/records?ack=durable", "{\"n\":4}");
                } else if (line.contains("\"durable_seq\":4")) {
                    break;
                }
            }
            assertTrue(events.stream().noneMatch(e -> e.equals("event: record")), events.toString());
            assertEquals("data: {\"type\":\"durable\",\"durable_seq\":4}", events.get(events.size() - 1));
        }
    }

    /** Every family /metrics promises, with the values that the requests before it must have made. */
    @Test
    void metricsCountWhatHappened() throws Exception {
        post("/v1/records?ack=durable", "{\"n\":1}", "Idempotency-Key", "k");
        post("/v1/records", "{\"n\":1}", "Idempotency-Key", "k");
        post("/v1/records/batch?ack=durable", "{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n");
        post("/v1/records", "x", "Afterme-Expected-Last-Seq", "1");
        post("/v1/records", "x".repeat(2000));
        HttpRequest subscribe = HttpRequest.newBuilder(URI.create(daemon.uri() + "/v1/subscribe?from=1"))
                .header("Accept", "text/event-stream").build();
        try (var lines = client.send(subscribe, HttpResponse.BodyHandlers.ofLines()).body()) {
            HttpResponse<String> r = get("/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
            Map<String, Double> m = new HashMap<>();
            for (String line : r.body().split("\n")) {
                if (!line.startsWith("#")) {
                    int space = line.lastIndexOf(' ');
                    m.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                }
            }
            assertEquals(2.0, m.get("afterme_appends_total"), r.body());
            assertEquals(4.0, m.get("afterme_records_total"), r.body());
            assertEquals(28.0, m.get("afterme_payload_bytes_total"), r.body());
            assertEquals(1.0, m.get("afterme_duplicates_total"), r.body());
            assertEquals(1.0, m.get("afterme_conflicts_total"), r.body());
            assertTrue(m.get("afterme_errors_total{kind=\"http_4xx\"}") >= 2, r.body());
            assertEquals(0.0, m.get("afterme_errors_total{kind=\"fsync\"}"), r.body());
            assertTrue(m.get("afterme_fsync_seconds_count") >= 2, r.body());
            assertEquals(m.get("afterme_fsync_seconds_count"), m.get("afterme_fsync_seconds_bucket{le=\"+Inf\"}"));
            assertTrue(m.containsKey("afterme_fsync_seconds_bucket{le=\"0.0001\"}"), r.body());
            assertTrue(m.get("afterme_write_seconds_count") >= 1, r.body());
            assertEquals(m.get("afterme_write_seconds_count"), m.get("afterme_write_seconds_bucket{le=\"+Inf\"}"));
            assertTrue(m.get("afterme_writer_batch_records_count") >= 3, r.body());
            assertEquals(m.get("afterme_writer_batch_records_count"),
                    m.get("afterme_writer_batch_records_bucket{le=\"+Inf\"}"));
            assertTrue(m.get("afterme_writer_batch_records_bucket{le=\"2\"}")
                    < m.get("afterme_writer_batch_records_bucket{le=\"4\"}"), "the batch of 3: " + r.body());
            assertEquals(4.0, m.get("afterme_last_seq"), r.body());
            assertEquals(4.0, m.get("afterme_durable_seq"), r.body());
            assertEquals(0.0, m.get("afterme_durable_lag_records"), r.body());
            assertEquals(1.0, m.get("afterme_segments"), r.body());
            assertEquals(1.0, m.get("afterme_subscribers"), r.body());
            assertEquals(1.0, m.get("afterme_writable"), r.body());
            assertTrue(m.get("afterme_jvm_heap_used_bytes") > 0, r.body());
            assertEquals(0.0, m.get("afterme_webhook_failures_total"), r.body());
        }
    }

    /** A typo in a query parameter is refused, naming it; it never quietly changes an append. */
    @Test
    void unknownQueryParametersAreRefusedNamingThem() throws Exception {
        HttpResponse<String> typo = post("/v1/records?akc=durable", "{\"a\":1}");
        assertEquals(400, typo.statusCode(), typo.body());
        assertTrue(typo.body().contains("\"error\":\"unknown_parameter\""), typo.body());
        assertTrue(typo.body().contains("'akc'") && typo.body().contains("takes ack"), typo.body());
        assertEquals("close", typo.headers().firstValue("Connection").orElse(""), "the unread body ends the connection");
        assertEquals(400, post("/v1/records/batch?ack=durable&x=1", "{\"a\":1}\n").statusCode());
        assertEquals(0, daemon.log().lastSeq(), "nothing appended");
        assertEquals(200, post("/v1/records?ack=durable", "{\"a\":1}").statusCode());
        assertEquals(200, get("/v1/records?from=1&limit=1&payload=base64").statusCode());
        for (String path : List.of("/v1/records?form=1", "/v1/log?verbose=1", "/v1/records/1?x", "/healthz?a=b",
                "/metrics?name=x", "/v1/forwarders?all=1", "/v1/subscribe?form=1")) {
            HttpResponse<String> r = get(path);
            assertEquals(400, r.statusCode(), path + ": " + r.body());
            assertTrue(r.body().contains("unknown_parameter"), path + ": " + r.body());
        }
    }

    @Test
    void aQueryParameterGivenTwiceIsRefusedNotReadAsItsFirstValue() throws Exception {
        HttpResponse<String> twice = post("/v1/records?ack=durable&ack=memory", "{\"a\":1}");
        assertEquals(400, twice.statusCode(), twice.body());
        assertTrue(twice.body().contains("\"error\":\"bad_request\""), twice.body());
        assertTrue(twice.body().contains("'ack' is given 2 times (durable, memory)"), twice.body());
        assertEquals(400, post("/v1/records/batch?ack=memory&ack=memory", "{\"a\":1}\n").statusCode());
        assertEquals(0, daemon.log().lastSeq(), "nothing appended");
        for (String path : List.of("/v1/records?from=1&from=2", "/v1/records?from=1&limit=1&limit=2",
                "/v1/subscribe?records=all&records=none")) {
            HttpResponse<String> r = get(path);
            assertEquals(400, r.statusCode(), path + ": " + r.body());
            assertTrue(r.body().contains("give it once"), path + ": " + r.body());
        }
    }

    @Test
    void aHeaderGivenTwiceIsRefusedNotReadAsItsFirstValue() throws Exception {
        for (String header : List.of("Idempotency-Key", "Afterme-Expected-Last-Seq", "Content-Type")) {
            HttpResponse<String> r = post("/v1/records", "{\"a\":1}", header, "0", header, "1");
            assertEquals(400, r.statusCode(), header + ": " + r.body());
            assertTrue(r.body().contains(header + " is given more than once"), r.body());
        }
        assertEquals(0, daemon.log().lastSeq(), "nothing appended");
    }

    /** A digest the daemon cannot read was skipped, and the body appended unchecked: sha-256=BASE64 without colons. */
    @Test
    void aContentDigestThatIsNotOneIsRefusedNotSkipped() throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest("hello".getBytes(StandardCharsets.UTF_8));
        String right = Base64.getEncoder().encodeToString(sha);
        for (String field : List.of("sha-256=" + right, "sha-256=:not base64!:", "sha-256=:AAAA:", "garbage",
                "sha-256=:" + right + ":,", "sha-256")) {
            HttpResponse<String> r = post("/v1/records", "hello", "Content-Digest", field);
            assertEquals(400, r.statusCode(), field + " -> " + r.body());
            assertTrue(r.body().contains("\"bad_request\"") && r.body().contains("sha-256=:BASE64:"), r.body());
        }
        assertEquals(0, daemon.log().lastSeq(), "nothing appended");
        for (String field : List.of("SHA-256=:" + right + ":", "sha-512=:AAAA:", "sha-256=:" + right + ":;p=1")) {
            assertEquals(200, post("/v1/records", "hello", "Content-Digest", field).statusCode(), field);
        }
    }

    @Test
    void aContentDigestSplitOverTwoLinesIsCheckedWhole() throws Exception {
        String wrong = Base64.getEncoder().encodeToString(new byte[32]);
        HttpResponse<String> r = post("/v1/records", "hello", "Content-Digest", "sha-512=:" + wrong + wrong + ":",
                "Content-Digest", "sha-256=:" + wrong + ":");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("digest_mismatch"), r.body());
        assertEquals(0, daemon.log().lastSeq(), "nothing appended");
    }

    @Test
    void theRootListsTheEndpoints() throws Exception {
        HttpResponse<String> r = get("/");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        for (String path : List.of("/v1/records", "/v1/records/batch", "/v1/records/{seq}", "/v1/log", "/v1/subscribe",
                "/v1/forwarders", "/healthz", "/metrics")) {
            assertTrue(r.body().contains("\"path\":\"" + path + "\""), path + " in " + r.body());
        }
        assertTrue(r.body().startsWith("[{\"method\":\"POST\",\"path\":\"/v1/records\""), r.body());
    }

    @Test
    void anEndpointRefusesAMethodItDoesNotTakeNamingTheOnesItDoes() throws Exception {
        Map<String, String> allowed = Map.of("/healthz", "GET, HEAD", "/metrics", "GET, HEAD", "/v1/subscribe", "GET",
                "/v1/log", "GET, HEAD", "/", "GET, HEAD", "/v1/forwarders", "GET, HEAD", "/v1/records/1", "GET, HEAD",
                "/v1/records/batch", "POST", "/v1/records", "GET, HEAD, POST");
        for (var e : allowed.entrySet()) {
            for (String method : List.of("POST", "DELETE", "PUT")) {
                if (e.getValue().contains(method)) {
                    continue;
                }
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(daemon.uri().resolve(e.getKey()))
                        .header("Accept", "text/event-stream")
                        .method(method, HttpRequest.BodyPublishers.ofString("x")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(405, r.statusCode(), method + " " + e.getKey() + ": " + r.body());
                assertEquals(e.getValue(), r.headers().firstValue("Allow").orElse(""), method + " " + e.getKey());
                assertTrue(r.body().contains("\"error\":\"method_not_allowed\""), r.body());
            }
        }
        assertEquals(0, daemon.log().lastSeq(), "nothing appended");
    }
    @Test
    void aSeqInTheLogWhoseSegmentIsGoneIsUnavailableNotNotFoundNorAnEmptyRange() throws Exception {
        assertEquals(200, post("/v1/records?ack=durable", "{\"a\":1}").statusCode());
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("000")).toList()) {
                Files.delete(f);
            }
        }
        HttpResponse<String> r = get("/v1/records/1");
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(r.body().contains("seq 1 is in the log (last seq 1) but no segment holds it now"), r.body());
        assertEquals(404, get("/v1/records/2").statusCode());
        HttpResponse<String> range = get("/v1/records?from=1");
        assertEquals(503, range.statusCode(), range.body());
        assertTrue(range.body().contains("seq 1 is in the log (last seq 1) but no segment holds it now"), range.body());
        assertEquals("", get("/v1/records?from=2").body(), "past the end of the log, nothing to send");
    }
}
