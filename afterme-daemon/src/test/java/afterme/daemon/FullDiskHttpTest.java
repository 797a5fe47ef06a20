package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.daemon.http.Limits;
import afterme.daemon.log.Ack;
import afterme.daemon.log.SmallTmpfs;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk through HTTP: 507 insufficient_storage, nothing appended, and appends resume when room returns. */
class FullDiskHttpTest {
    @TempDir
    Path tmp;

    @Test
    void aFullDiskGives507AndAppendsResumeWhenRoomReturns() throws Exception {
        try (SmallTmpfs fs = SmallTmpfs.mountOrSkip(tmp, "1m")) {
            Path filler = fs.fill(600 * 1024);
            try (Daemon d = TestDaemon.start(fs.mount.resolve("data"), new Limits(16 << 10, 1 << 20, Ack.DURABLE))) {
                String payload = "x".repeat(10_000);
                long acked = 0;
                HttpResponse<String> r = TestDaemon.post(d, "/v1/records", payload);
                while (r.statusCode() == 200 && acked < 1_000) {
                    acked++;
                    r = TestDaemon.post(d, "/v1/records", payload);
                }
                assertEquals(507, r.statusCode(), r.body());
                assertTrue(r.body().contains("\"error\":\"insufficient_storage\""), r.body());
                assertEquals(acked, d.log().lastSeq(), "the refused append left nothing");
                Files.delete(filler);
                HttpResponse<String> resumed = TestDaemon.post(d, "/v1/records", payload);
                assertEquals(200, resumed.statusCode(), resumed.body());
                assertTrue(resumed.body().contains("\"seq\":" + (acked + 1) + ",")
                        && resumed.body().contains("\"durable\":true"), resumed.body());
            }
        }
    }
}
