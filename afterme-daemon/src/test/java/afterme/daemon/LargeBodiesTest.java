package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.http.Limits;
import afterme.daemon.log.Ack;
import afterme.format.LogVerifier;
import afterme.format.Segments;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Payloads of 64 KiB and more, which the daemon reads into pooled pieces off the heap: whatever their
 * size against the pieces', and however many are in flight at once, each is stored exactly as sent.
 */
class LargeBodiesTest {
    private static final int PIECE = 64 << 10;
    private static final int[] SIZES = {PIECE - 1, PIECE, PIECE + 1, 2 * PIECE, 200_000, 1 << 20, (1 << 20) + 3,
            2 << 20};
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    @TempDir
    Path dir;
    private Daemon daemon;

    /** An in-flight budget of 4 MiB, so that the pool's pieces are taken, given back and reused all the time. */
    @BeforeEach
    void start() throws Exception {
        daemon = TestDaemon.start(dir, new Limits(2 << 20, 4 << 20, Ack.MEMORY, 4 << 20,
                Limits.DEFAULT_REQUESTS_PER_CONNECTION_SECOND));
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
    }

    private HttpResponse<String> post(byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(daemon.uri().resolve("/v1/records"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return TestDaemon.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    @Test
    void concurrentBodiesAcrossPieceBoundariesAreStoredAsSent() throws Exception {
        Map<Long, byte[]> sent = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                Random random = new Random(c);
                done.add(clients.submit(() -> {
                    for (int i = 0; i < 12; i++) {
                        byte[] body = new byte[SIZES[random.nextInt(SIZES.length)]];
                        random.nextBytes(body);
                        HttpResponse<String> r = post(body, "Content-Type", "application/octet-stream");
                        assertEquals(200, r.statusCode(), r.body());
                        assertTrue(r.body().contains("\"size\":" + body.length + ","), r.body());
                        assertTrue(r.body().contains("\"sha256\":\"" + HexFormat.of().formatHex(sha256(body))),
                                r.body());
                        Matcher m = SEQ.matcher(r.body());
                        assertTrue(m.find(), r.body());
                        sent.put(Long.parseLong(m.group(1)), body);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
        }
        assertEquals(96, sent.size());
        for (Map.Entry<Long, byte[]> e : sent.entrySet()) {
            HttpRequest get = HttpRequest.newBuilder(daemon.uri().resolve("/v1/records/" + e.getKey())).build();
            HttpResponse<byte[]> r = TestDaemon.CLIENT.send(get, HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode(), () -> "seq " + e.getKey() + ": "
                    + new String(r.body(), StandardCharsets.UTF_8));
            assertArrayEquals(e.getValue(), r.body(), "seq " + e.getKey());
        }
        assertTrue(LogVerifier.verify(Segments.list(dir), true).clean());
    }

    /**
     * Clients that announce 1 MiB, send part of it into pieces and vanish: nothing is appended, and their
     * room comes back (the budget holds four such bodies), so that whole bodies sent after them, into
     * pieces the vanished ones filled, are stored as sent.
     */
    @Test
    void bodiesCutOffMidwayAppendNothingAndGiveTheirRoomBack() throws Exception {
        for (int i = 0; i < 8; i++) {
            try (Socket s = new Socket(daemon.uri().getHost(), daemon.uri().getPort())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: " + (1 << 20) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] part = new byte[300_000];
                Arrays.fill(part, (byte) 'x');
                out.write(part);
                out.flush();
            }
        }
        Random random = new Random(3);
        for (int i = 1; i <= 8; i++) {
            byte[] body = new byte[1 << 20];
            random.nextBytes(body);
            HttpResponse<String> r = post(body);
            assertEquals(200, r.statusCode(), r.body());
            assertArrayEquals(body, daemon.log().read(i).payload());
        }
        assertEquals(8, daemon.log().lastSeq());
    }

    @Test
    void theDigestOfABodyInPiecesIsChecked() throws Exception {
        byte[] body = new byte[(1 << 20) + 5];
        new Random(7).nextBytes(body);
        byte[] sha = sha256(body);
        byte[] wrong = sha.clone();
        wrong[31] ^= 1;
        HttpResponse<String> refused = post(body, "Content-Digest",
                "sha-256=:" + Base64.getEncoder().encodeToString(wrong) + ":");
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("digest_mismatch"), refused.body());
        assertEquals(0, daemon.log().lastSeq());
        HttpResponse<String> taken = post(body, "Content-Digest",
                "sha-256=:" + Base64.getEncoder().encodeToString(sha) + ":");
        assertEquals(200, taken.statusCode(), taken.body());
        assertArrayEquals(sha, daemon.log().read(1).sha256());
        assertArrayEquals(body, daemon.log().read(1).payload());
    }
}
