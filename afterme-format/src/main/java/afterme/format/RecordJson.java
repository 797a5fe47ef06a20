package afterme.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Locale;

/**
 * The one JSON rendering of a record (docs/HTTP.md), shared by the daemon, dump, tail and subscribe so that
 * every tool prints identical objects. Thread-safe.
 */
public final class RecordJson {
    /** Characters outside the BMP are written as their four UTF-8 bytes, not as two escaped surrogates. */
    public static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();

    private RecordJson() {
    }

    private static final ThreadLocal<Object[]> LAST_SECOND = ThreadLocal.withInitial(() -> new Object[] {Long.MIN_VALUE, ""});

    /**
     * A record's time as JSON gives it: RFC 3339 in UTC with all nine fraction digits. Records come in
     * time order, so the part up to the seconds is formatted once per second (per thread) and the nine
     * digits of nanoseconds are appended.
     */
    public static String formatTime(long epochSecond, int nanos) {
        return appendTime(new StringBuilder(30), epochSecond, nanos).toString();
    }

    /** {@link #formatTime} appended to {@code b}, for a reply that every append gets. */
    public static StringBuilder appendTime(StringBuilder b, long epochSecond, int nanos) {
        Object[] last = LAST_SECOND.get();
        if ((long) last[0] != epochSecond) {
            last[0] = epochSecond;
            last[1] = secondsUtc(epochSecond);
        }
        b.append((String) last[1]).append('.');
        for (int unit = 100_000_000; unit > 0; unit /= 10) {
            b.append((char) ('0' + nanos / unit % 10));
        }
        return b.append('Z');
    }

    /**
     * {@code uuuu-MM-dd'T'HH:mm:ss} in UTC, for the years 0 to 9999 a clock gives, written by hand: a
     * DateTimeFormatter's first use loads the locale providers, which with String.format's took 16 ms of
     * {@code afterme tail -n 1} (BENCHMARKS.md).
     */
    private static String secondsUtc(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        StringBuilder b = new StringBuilder(19);
        digits(b, t.getYear(), 4).append('-');
        digits(b, t.getMonthValue(), 2).append('-');
        digits(b, t.getDayOfMonth(), 2).append('T');
        digits(b, t.getHour(), 2).append(':');
        digits(b, t.getMinute(), 2).append(':');
        return digits(b, t.getSecond(), 2).toString();
    }

    private static StringBuilder digits(StringBuilder b, int value, int width) {
        String v = Integer.toString(value);
        for (int i = v.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(v);
    }

    /** Where the location fields go: only dump and verify must carry them. */
    public enum Location { INCLUDE, OMIT }

    /**
     * Writes one record as a JSON object (no newline). {@code type} is written first when not null.
     * {@code g} writes UTF-8 bytes (made by {@link #FACTORY} over a stream): hashes and text payloads go
     * to it as bytes, not as Strings it would encode again.
     */
    private static void write(JsonGenerator g, LogRecord r, PayloadMode mode, Location location, String type)
            throws IOException {
        g.writeStartObject();
        if (type != null) {
            g.writeStringField("type", type);
        }
        g.writeNumberField("seq", r.seq());
        g.writeStringField("time", formatTime(r.epochSecond(), r.nanos()));
        g.writeStringField("zone", r.zone());
        g.writeNumberField("size", r.size());
        writeHexField(g, "sha256", r.sha256());
        writeHexField(g, "crc32c", new byte[] {(byte) (r.crc32c() >>> 24), (byte) (r.crc32c() >>> 16),
                (byte) (r.crc32c() >>> 8), (byte) r.crc32c()});
        writeHexField(g, "chain", r.chain());
        if (r.contentType() != null) {
            g.writeStringField("content_type", r.contentType());
        }
        if (r.idempotencyKey() != null) {
            g.writeStringField("idempotency_key", r.idempotencyKey());
        }
        if (location == Location.INCLUDE) {
            g.writeStringField("segment", r.segment());
            g.writeNumberField("offset", r.offset());
        }
        writePayload(g, r.payload(), mode);
        g.writeEndObject();
    }

    /** One record as a JSON line, {@code \n}-terminated, in UTF-8. */
    public static byte[] line(LogRecord r, PayloadMode mode, Location location, String type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + r.size() * 2);
        writeLine(out, r, mode, location, type);
        return out.toByteArray();
    }

    public static void writeLine(OutputStream out, LogRecord r, PayloadMode mode, Location location, String type) {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            write(g, r, mode, location, type);
            g.flush();
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes many records as NDJSON to one stream through one generator (creating a generator per line
     * costs more than the line). Not thread-safe; {@link #flush} before the stream is used otherwise.
     */
    public static final class LineWriter {
        private final JsonGenerator g;
        private final PayloadMode mode;
        private final Location location;

        public LineWriter(OutputStream out, PayloadMode mode, Location location) throws IOException {
            this.g = FACTORY.createGenerator(out);
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
            g.setRootValueSeparator(null);
            this.mode = mode;
            this.location = location;
        }

        public void write(LogRecord r) throws IOException {
            RecordJson.write(g, r, mode, location, null);
            g.writeRaw('\n');
        }

        /** Hands what is buffered to the stream (without flushing the stream itself). */
        public void flush() throws IOException {
            g.flush();
        }
    }

    private static void writePayload(JsonGenerator g, byte[] payload, PayloadMode mode) throws IOException {
        switch (mode) {
            case NONE -> {
            }
            case BASE64 -> base64(g, payload);
            case UTF8 -> writeText(g, payload, isUtf8(payload));
            case AUTO -> {
                boolean utf8 = isUtf8(payload);
                if (utf8 && isOneJsonValue(payload)) {
                    g.writeStringField("encoding", "json");
                    g.writeFieldName("payload");
                    try (JsonParser p = FACTORY.createParser(payload)) {
                        p.nextToken();
                        g.copyCurrentStructureExact(p);
                    }
                } else if (utf8) {
                    writeText(g, payload, true);
                } else {
                    base64(g, payload);
                }
            }
            default -> throw new IllegalArgumentException("unknown payload mode " + mode);
        }
    }

    /**
     * A text payload. Valid UTF-8 is escaped and copied as bytes, as Jackson would write the same text
     * given as a String; anything else goes through a String, which replaces what is not UTF-8.
     */
    private static void writeText(JsonGenerator g, byte[] payload, boolean validUtf8) throws IOException {
        g.writeStringField("encoding", "utf8");
        g.writeFieldName("payload");
        if (validUtf8) {
            g.writeUTF8String(payload, 0, payload.length);
        } else {
            g.writeString(new String(payload, StandardCharsets.UTF_8));
        }
    }

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadLocal<byte[]> HEX_SCRATCH = ThreadLocal.withInitial(() -> new byte[64]);

    /** Lower-case hex, written as bytes: hex needs no escaping, so the generator need not look for any. */
    private static void writeHexField(JsonGenerator g, String name, byte[] bytes) throws IOException {
        byte[] hex = HEX_SCRATCH.get();
        if (hex.length < bytes.length * 2) {
            hex = new byte[bytes.length * 2];
            HEX_SCRATCH.set(hex);
        }
        for (int i = 0; i < bytes.length; i++) {
            hex[2 * i] = HEX_DIGITS[(bytes[i] >> 4) & 0xf];
            hex[2 * i + 1] = HEX_DIGITS[bytes[i] & 0xf];
        }
        g.writeFieldName(name);
        g.writeRawUTF8String(hex, 0, bytes.length * 2);
    }

    private static void base64(JsonGenerator g, byte[] payload) throws IOException {
        g.writeStringField("encoding", "base64");
        g.writeStringField("payload", Base64.getEncoder().encodeToString(payload));
    }

    /** True when the bytes are exactly one JSON value, surrounded by nothing but whitespace. */
    public static boolean isOneJsonValue(byte[] payload) {
        if (!mayStartJson(payload)) {
            return false;
        }
        try (JsonParser p = FACTORY.createParser(payload)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /** A cheap first look, so that text and binary payloads do not pay for a JSON parser. */
    private static boolean mayStartJson(byte[] payload) {
        for (byte b : payload) {
            if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
                continue;
            }
            return b == '{' || b == '[' || b == '"' || b == '-' || (b >= '0' && b <= '9') || b == 't' || b == 'f'
                    || b == 'n';
        }
        return false;
    }

    public static boolean isUtf8(byte[] payload) {
        int ascii = 0;
        while (ascii < payload.length && payload[ascii] >= 0) {
            ascii++;
        }
        if (ascii == payload.length) {
            return true;
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload, ascii, payload.length - ascii));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** A problem as every tool writes it: {@code {"segment","offset","seq","kind","message"}}. */
    public static void writeProblem(JsonGenerator g, Problem p) throws IOException {
        g.writeStartObject();
        g.writeStringField("segment", p.segment());
        g.writeNumberField("offset", p.offset());
        g.writeNumberField("seq", p.seq());
        g.writeStringField("kind", p.kind().code());
        g.writeStringField("message", p.message());
        g.writeEndObject();
    }

    /** A verification report ({@code afterme verify --json}) of the log or files at {@code path}. */
    public static String report(String path, LogVerifier.Report report) throws IOException {
        StringWriter s = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(s)) {
            g.writeStartObject();
            g.writeStringField("path", path);
            g.writeBooleanField("ok", report.clean());
            g.writeNumberField("segments", report.scans().size());
            g.writeNumberField("records", report.records());
            g.writeNumberField("bytes", report.bytes());
            g.writeNumberField("last_seq", report.lastSeq());
            g.writeArrayFieldStart("problems");
            for (Problem p : report.problems()) {
                writeProblem(g, p);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return s.toString();
    }

    /** One line of {@code afterme dump --segments}: what a walk of one segment found. */
    public static void writeSegment(OutputStream out, SegmentScan s) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartObject();
            g.writeStringField("segment", s.name());
            g.writeNumberField("size", s.fileSize());
            if (s.fillBytes() > 0) {
                g.writeNumberField("fill", s.fillBytes());
            }
            if (s.header() != null) {
                g.writeNumberField("format_version", s.header().version());
                g.writeStringField("log_id", s.header().logId().toString());
                g.writeNumberField("first_seq", s.header().firstSeq());
                g.writeStringField("prev_chain", Hashes.hex(s.header().prevChain()));
            }
            g.writeNumberField("last_seq", s.lastSeq());
            g.writeNumberField("record_count", s.recordCount());
            g.writeStringField("end", s.end().name().toLowerCase(Locale.ROOT));
            g.writeBooleanField("sealed", s.trailer() != null);
            g.writeStringField("chain_head", Hashes.hex(s.chainHead()));
            g.writeEndObject();
        }
        out.write('\n');
    }
}
