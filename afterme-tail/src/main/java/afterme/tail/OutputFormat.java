package afterme.tail;

import afterme.format.LogRecord;
import afterme.format.PayloadMode;
import afterme.format.RecordJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.function.Supplier;
import picocli.CommandLine;

/** The output formats of {@code afterme tail -o}. */
enum OutputFormat {
    JSON, SHORT, PAYLOAD, RAW;

    /** Characters of a payload that {@code -o short} shows before it cuts the line. */
    private static final int PREVIEW = 120;
    private static final DateTimeFormatter SHORT_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS");
    private static final String BOLD = "\u001b[1m";
    private static final String DIM = "\u001b[2m";
    private static final String PLAIN = "\u001b[0m";

    /** The values, for completion and the help text. */
    static final class Names extends ArrayList<String> {
        Names() {
            super(Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    static OutputFormat parse(CommandLine cl, String value) {
        try {
            return valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "-o must be json, short, payload or raw, not '" + value + "'");
        }
    }

    /**
     * @param zone       where times are shown, asked only by the format that shows them
     * @param terminal   stdout is a terminal: binary payloads are not written to it raw
     * @param colour     colour may be used (a terminal, no NO_COLOR)
     * @param binaryAsIs {@code --payload utf8}: write binary payloads as they are even to a terminal
     */
    RecordWriter writer(OutputStream out, PayloadMode mode, Supplier<ZoneId> zone, boolean terminal, boolean colour,
                        boolean binaryAsIs) throws IOException {
        return switch (this) {
            case JSON -> json(out, mode);
            // Only the short format shows local time: reading the zone rules costs the others their start.
            case SHORT -> new ShortLines(out, zone.get(), colour, mode);
            case PAYLOAD, RAW -> new Payloads(out, this == PAYLOAD, mode == PayloadMode.BASE64, terminal && !binaryAsIs);
        };
    }

    private static RecordWriter json(OutputStream out, PayloadMode mode) throws IOException {
        RecordJson.LineWriter lines = new RecordJson.LineWriter(out, mode, RecordJson.Location.OMIT);
        return new RecordWriter() {
            @Override
            public boolean wantsRecords() {
                return true;
            }

            @Override
            public void record(LogRecord r) throws IOException {
                lines.write(r);
            }

            @Override
            public void payload(byte[] bytes, int offset, int length) {
                throw new IllegalStateException("json writes whole records");
            }

            @Override
            public void flush() throws IOException {
                lines.flush();
                out.flush();
            }
        };
    }

    /** {@code -o payload} and {@code -o raw}: the payloads' bytes, or their base64. */
    private record Payloads(OutputStream out, boolean newline, boolean base64, boolean guardBinary)
            implements RecordWriter {
        @Override
        public boolean wantsRecords() {
            return false;
        }

        @Override
        public void record(LogRecord r) throws IOException {
            payload(r.payload(), 0, r.payload().length);
        }

        @Override
        public void payload(byte[] bytes, int offset, int length) throws IOException {
            if (base64) {
                out.write(Base64.getEncoder().encode(Arrays.copyOfRange(bytes, offset, offset + length)));
                out.write('\n');
                return;
            }
            if (guardBinary && !RecordJson.isUtf8(Arrays.copyOfRange(bytes, offset, offset + length))) {
                // Raw binary on a terminal can change its settings or hide what follows.
                out.write(("(a binary payload of " + length + " bytes; --payload base64 shows it, --payload utf8"
                        + " writes it as it is)\n").getBytes(StandardCharsets.UTF_8));
                return;
            }
            out.write(bytes, offset, length);
            if (newline) {
                out.write('\n');
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }

    /**
     * {@code -o short}: local time, seq, content type and the start of the payload on one line; the payload
     * as {@code --payload} says: left out ({@code none}), in base64, as text even when it is not UTF-8
     * ({@code utf8}), or by default as text when it is UTF-8 and by its size when it is not.
     */
    private record ShortLines(OutputStream out, ZoneId zone, boolean colour, PayloadMode mode) implements RecordWriter {
        @Override
        public boolean wantsRecords() {
            return true;
        }

        @Override
        public void record(LogRecord r) throws IOException {
            StringBuilder line = new StringBuilder();
            String time = SHORT_TIME.format(r.time().atZone(zone));
            line.append(colour ? DIM + time + PLAIN : time).append(' ');
            String seq = "#" + r.seq();
            line.append(colour ? BOLD + seq + PLAIN : seq).append(' ');
            line.append(r.contentType() != null ? r.contentType() : "-");
            if (mode != PayloadMode.NONE) {
                line.append(' ').append(preview(r.payload(), mode));
            }
            line.append('\n');
            out.write(line.toString().getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void payload(byte[] bytes, int offset, int length) {
            throw new IllegalStateException("short writes whole records");
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        /**
         * Text on one line, control characters escaped, cut at {@link #PREVIEW} characters; binary by its size,
         * unless {@code mode} asks for it in base64 or as text.
         */
        private static String preview(byte[] payload, PayloadMode mode) {
            if (payload.length == 0) {
                return "(empty)";
            }
            if (mode == PayloadMode.AUTO && !RecordJson.isUtf8(payload)) {
                return "(binary, " + payload.length + " bytes)";
            }
            String text = mode == PayloadMode.BASE64 ? Base64.getEncoder().encodeToString(payload)
                    : new String(payload, StandardCharsets.UTF_8);
            // A line written by echo ends in a newline that says nothing about the record.
            text = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < text.length() && b.length() < PREVIEW; i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> b.append(Character.isISOControl(c) ? '?' : c);
                }
            }
            return b.length() < PREVIEW || text.length() <= PREVIEW ? b.toString() : b + "…";
        }
    }
}
