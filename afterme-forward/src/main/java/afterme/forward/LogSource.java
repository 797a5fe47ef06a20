package afterme.forward;

import afterme.format.LogCursor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;

/**
 * The log as a forwarder reads it. Records up to {@link #readableSeq} may be read; before any of them is
 * sent, {@link #makeDurable} is called on the segments they came from. In the daemon the first is the
 * durable seq and the second does nothing; standalone, every complete record may be read and the second
 * fsyncs the segments through the forwarder's own descriptors.
 */
public interface LogSource {
    UUID logId() throws IOException;

    /** The highest seq that may be read and sent; may be past the end of the log. */
    long readableSeq() throws IOException;

    /** The last seq of the log that may be sent now: where a forwarder started with {@code --from-end} begins. */
    long lastSeq() throws IOException;

    /** A cursor that checks every record it returns (CRC, seq, chain, SHA-256). */
    LogCursor cursor(long fromSeq);

    /** Makes sure the records read from these segments are on disk before they are sent. */
    void makeDurable(Set<Path> segments) throws IOException;

    /** The data directory: the checkpoint and the dead letters live under it. */
    Path dataDir();
}
