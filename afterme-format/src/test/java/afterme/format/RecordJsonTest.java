package afterme.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordJsonTest {
    private static LogRecord record(byte[] payload, String ct, String key) {
        SegmentBuilder b = new SegmentBuilder();
        b.add(payload, "Europe/Berlin", ct, key, 1_764_000_000L);
        ByteBuffer buf = ByteBuffer.wrap(b.bytes());
        return RecordCodec.decode(buf, SegmentHeader.LENGTH, "00000000000000000001.seg", SegmentHeader.LENGTH);
    }

    private static String line(byte[] payload, PayloadMode mode) {
        return new String(RecordJson.line(record(payload, null, null), mode, RecordJson.Location.OMIT, null),
                StandardCharsets.UTF_8);
    }

    @Test
    void jsonPayloadIsEmbeddedOnOneLine() {
        String l = line("{\n  \"type\" : \"OrderPlaced\",\n \"id\": 7, \"x\": 1.10 }".getBytes(), PayloadMode.AUTO);
        assertTrue(l.endsWith("\"encoding\":\"json\",\"payload\":{\"type\":\"OrderPlaced\",\"id\":7,\"x\":1.10}}\n"), l);
        assertEquals(1, l.split("\n").length);
    }

    @Test
    void textAndBinaryFallBack() {
        assertTrue(line("hello world".getBytes(), PayloadMode.AUTO).contains("\"encoding\":\"utf8\",\"payload\":\"hello world\""));
        assertTrue(line("{} {}".getBytes(), PayloadMode.AUTO).contains("\"encoding\":\"utf8\""));
        assertTrue(line(new byte[] {(byte) 0xff, 0}, PayloadMode.AUTO).contains("\"encoding\":\"base64\",\"payload\":\"/wA=\""));
        assertTrue(line("42".getBytes(), PayloadMode.BASE64).contains("\"payload\":\"NDI=\""));
        assertTrue(line("42".getBytes(), PayloadMode.UTF8).contains("\"payload\":\"42\""));
        assertTrue(!line("42".getBytes(), PayloadMode.NONE).contains("payload"));
        assertTrue(line(new byte[0], PayloadMode.AUTO).contains("\"encoding\":\"utf8\",\"payload\":\"\""));
    }

    @Test
    void fieldsFollowTheSpecOrderAndNames() {
        LogRecord r = record("7".getBytes(), "application/json", "k-1");
        String l = new String(RecordJson.line(r, PayloadMode.AUTO, RecordJson.Location.INCLUDE, "record"),
                StandardCharsets.UTF_8);
        assertTrue(l.matches("\\{\"type\":\"record\",\"seq\":1,\"time\":\"2025-11-24T16:00:00\\.123456789Z\","
                + "\"zone\":\"Europe/Berlin\",\"size\":1,\"sha256\":\"[0-9a-f]{64}\",\"crc32c\":\"[0-9a-f]{8}\","
                + "\"chain\":\"[0-9a-f]{64}\",\"content_type\":\"application/json\",\"idempotency_key\":\"k-1\","
                + "\"segment\":\"00000000000000000001.seg\",\"offset\":128,\"encoding\":\"json\",\"payload\":7}\n"), l);
    }

    /** Text payloads are written from their bytes: the result must be what Jackson writes for the String. */
    @Test
    void textPayloadsAreEscapedExactlyAsJacksonEscapesStrings() throws IOException {
        List<String> texts = List.of("plain", "quote \" and backslash \\ and slash /", "tab\tnewline\ncr\r",
                "\u0000\u0001\u001f\u007f", "caf\u00e9 \u65e5\u672c \ud83d\ude00", "\u2028\u2029", "", "x".repeat(70_000));
        for (String text : texts) {
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            try (JsonGenerator g = RecordJson.FACTORY.createGenerator(expected)) {
                g.writeString(text);
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            for (PayloadMode mode : List.of(PayloadMode.AUTO, PayloadMode.UTF8)) {
                String l = line(bytes, mode);
                String tail = "\"encoding\":\"utf8\",\"payload\":" + expected.toString(StandardCharsets.UTF_8) + "}\n";
                assertTrue(l.endsWith(tail), mode + " " + text);
            }
        }
    }

    @Test
    void invalidUtf8AsUtf8IsReplacedNotCopied() {
        String l = line(new byte[] {'a', (byte) 0xff, 'b'}, PayloadMode.UTF8);
        assertTrue(l.endsWith("\"payload\":\"a\ufffdb\"}\n"), l);
    }

    @Test
    void hashesAreLowerCaseHex() {
        LogRecord r = record("x".getBytes(), null, null);
        String l = line("x".getBytes(), PayloadMode.NONE);
        StringBuilder sha = new StringBuilder();
        for (byte b : r.sha256()) {
            sha.append(String.format("%02x", b));
        }
        assertTrue(l.contains("\"sha256\":\"" + sha + "\""), l);
        assertTrue(l.contains(String.format("\"crc32c\":\"%08x\"", r.crc32c())), l);
    }

    @Test
    void timesAreRfc3339InUtcWithNineFractionDigits() {
        DateTimeFormatter rfc3339 = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
                .withZone(ZoneOffset.UTC);
        long[][] times = {{0, 0}, {1_764_000_000L, 5}, {1_764_000_000L, 999_999_999}, {1_764_000_001L, 120},
            {1_764_000_000L, 7}, {-1, 500}, {253_402_300_799L, 1}};
        for (long[] t : times) {
            assertEquals(rfc3339.format(Instant.ofEpochSecond(t[0], t[1])),
                    RecordJson.formatTime(t[0], (int) t[1]));
        }
    }
}
