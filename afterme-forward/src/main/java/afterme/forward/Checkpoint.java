package afterme.forward;

import afterme.format.Hashes;
import afterme.format.RecordJson;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.UUID;

/**
 * How far a forwarder got: the last record the broker confirmed (its seq and chain hash), the log it came
 * from and where it went. One JSON line in {@code DIR/forward/NAME.checkpoint}, replaced atomically. The
 * chain hash lets a restart prove that the log is still the one the broker received, not a restored or
 * replaced one with other records under the same seqs.
 *
 * @param seq   the last confirmed seq; 0 before the first
 * @param chain the chain hash of record {@code seq}; empty when seq is 0
 * @param sink  the target's URI, which holds no secret
 */
public record Checkpoint(String name, UUID logId, long seq, byte[] chain, String sink) {
    public static final String DIR = "forward";
    private static final String SUFFIX = ".checkpoint";
    private static final int VERSION = 1;

    /** The checkpoint file of forwarder {@code name} in data directory {@code dataDir}. */
    public static Path file(Path dataDir, String name) {
        return dataDir.resolve(DIR).resolve(name + SUFFIX);
    }

    /** The forwarder's name a checkpoint file stands for, or null when the file is not a checkpoint. */
    public static String nameOf(Path file) {
        String f = file.getFileName().toString();
        return f.endsWith(SUFFIX) ? f.substring(0, f.length() - SUFFIX.length()) : null;
    }

    /**
     * Reads a checkpoint.
     *
     * @return null when the file does not exist
     * @throws CheckpointException when the file is not a whole, valid checkpoint (torn, garbage, a newer version)
     */
    public static Checkpoint read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        try {
            return parse(bytes);
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException(file, e.getMessage());
        }
    }

    private static Checkpoint parse(byte[] bytes) throws IOException {
        if (bytes.length == 0 || bytes[bytes.length - 1] != '\n') {
            throw new IOException("it does not end with a newline: it was cut short");
        }
        Integer version = null;
        String name = null;
        UUID logId = null;
        Long seq = null;
        byte[] chain = null;
        String sink = null;
        try (JsonParser p = RecordJson.FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("it is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "version" -> version = p.getIntValue();
                    case "name" -> name = p.getValueAsString();
                    case "log_id" -> logId = UUID.fromString(p.getValueAsString());
                    case "seq" -> seq = p.getLongValue();
                    case "chain" -> chain = HexFormat.of().parseHex(p.getValueAsString());
                    case "sink" -> sink = p.getValueAsString();
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IOException("it holds more than one JSON object");
            }
        }
        if (version == null || name == null || logId == null || seq == null || chain == null || sink == null) {
            throw new IOException("a field is missing (version, name, log_id, seq, chain and sink are all needed)");
        }
        if (version != VERSION) {
            throw new IOException("it is version " + version + "; this afterme reads version " + VERSION);
        }
        if (seq < 0 || (seq == 0) != (chain.length == 0) || (seq > 0 && chain.length != Hashes.SHA256_BYTES)) {
            throw new IOException("seq " + seq + " and a chain of " + chain.length + " bytes do not go together");
        }
        return new Checkpoint(name, logId, seq, chain, sink);
    }

    /**
     * Replaces the checkpoint file atomically: a temporary file written and fsynced, renamed over the old
     * one, and the directory fsynced, so that a crash leaves the old checkpoint or the new one, never a mix.
     */
    public void write(Path file) throws IOException {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(json());
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(dir);
    }

    /** Fsyncs a directory, so that a file created or renamed in it survives a power loss. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    byte[] json() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = RecordJson.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("version", VERSION);
            g.writeStringField("name", name);
            g.writeStringField("log_id", logId.toString());
            g.writeNumberField("seq", seq);
            g.writeStringField("chain", HexFormat.of().formatHex(chain));
            g.writeStringField("sink", sink);
            g.writeEndObject();
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** A checkpoint file that cannot be trusted. Forwarding refuses to start rather than guess where it was. */
    public static final class CheckpointException extends IOException {
        CheckpointException(Path file, String why) {
            super("checkpoint " + file + " is damaged: " + why + ". Forwarding does not guess where it was: "
                    + "restore the file from a backup, or remove it and start this forwarder again with --from SEQ "
                    + "(the seq after the last record the broker holds)");
        }
    }
}
