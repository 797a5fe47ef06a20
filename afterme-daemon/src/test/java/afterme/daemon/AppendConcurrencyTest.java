package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Optimistic concurrency, limits on bodies without a Content-Length, and idempotency across restarts. */
class AppendConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void expectedLastSeqLetsExactlyOneOf32WritersWinEachRound() throws Exception {
        int writers = 32;
        int rounds = 10;
        try (Daemon d = TestDaemon.start(dir)) {
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CyclicBarrier barrier = new CyclicBarrier(writers);
            try {
                for (int round = 0; round < rounds; round++) {
                    long expected = round;
                    List<Future<Integer>> statuses = new ArrayList<>();
                    for (int w = 0; w < writers; w++) {
                        int id = w;
                        statuses.add(pool.submit(() -> {
                            barrier.await();
                            HttpResponse<String> r = TestDaemon.post(d, "/v1/records?ack=durable",
                                    "{\"writer\":" + id + "}", "Afterme-Expected-Last-Seq", Long.toString(expected));
                            if (r.statusCode() == 409) {
                                assertTrue(r.body().contains("\"last_seq\":" + (expected + 1)), r.body());
                            }
                            return r.statusCode();
                        }));
                    }
                    int won = 0;
                    for (Future<Integer> s : statuses) {
                        int status = s.get();
                        assertTrue(status == 200 || status == 409, "status " + status);
                        won += status == 200 ? 1 : 0;
                    }
                    assertEquals(1, won, "round " + round);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(rounds, d.log().lastSeq());
        }
    }

    @Test
    void oversizeBodyWithoutContentLengthIs413AndChangesNothing() throws Exception {
        try (Daemon d = TestDaemon.start(dir)) {
            HttpRequest chunked = HttpRequest.newBuilder(d.uri().resolve("/v1/records"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[5000])))
                    .build();
            HttpResponse<String> r = TestDaemon.CLIENT.send(chunked, HttpResponse.BodyHandlers.ofString());
            assertEquals(413, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"error\":\"payload_too_large\""), r.body());
            assertTrue(rawChunkedPost(d, "/v1/records/batch", 4 << 20).startsWith("HTTP/1.1 413"),
                    "a 4 MiB chunked batch over the 1 MiB limit");
            assertEquals(0, d.log().lastSeq());
            assertEquals(200, TestDaemon.post(d, "/v1/records", "fits").statusCode(), "the daemon serves on");
        }
    }

    /**
     * Streams a chunked body of {@code bytes} on a raw socket and returns the status line. The daemon may
     * answer and close before the body is all sent; the write side then fails, which is expected.
     */
    static String rawChunkedPost(Daemon d, String path, int bytes) throws Exception {
        try (Socket s = new Socket(d.uri().getHost(), d.uri().getPort())) {
            s.setSoTimeout(30_000);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes());
                    byte[] line = "{\"a\":1}\n".repeat(1000).getBytes();
                    for (int sent = 0; sent < bytes; sent += line.length) {
                        out.write((Integer.toHexString(line.length) + "\r\n").getBytes());
                        out.write(line);
                        out.write("\r\n".getBytes());
                    }
                    out.write("0\r\n\r\n".getBytes());
                } catch (IOException expected) {
                    // the daemon refused the body and closed the connection
                }
            });
            writer.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream()));
            String status = in.readLine();
            writer.join(30_000);
            return status;
        }
    }

    @Test
    void idempotencyKeySurvivesARestart() throws Exception {
        try (Daemon d = TestDaemon.start(dir)) {
            TestDaemon.post(d, "/v1/records/batch", "{\"a\":1}\n{\"b\":2}\n", "Idempotency-Key", "order-7");
            TestDaemon.post(d, "/v1/records", "x");
        }
        try (Daemon d = TestDaemon.start(dir)) {
            HttpResponse<String> again = TestDaemon.post(d, "/v1/records/batch", "{\"a\":1}\n{\"b\":2}\n",
                    "Idempotency-Key", "order-7");
            assertEquals(200, again.statusCode());
            assertTrue(again.body().contains("\"first_seq\":1,\"last_seq\":2,\"count\":2")
                    && again.body().contains("\"duplicate\":true"), again.body());
            assertEquals(3, d.log().lastSeq());
        }
    }
}
