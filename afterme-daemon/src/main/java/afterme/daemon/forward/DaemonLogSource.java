package afterme.daemon.forward;

import afterme.daemon.log.Log;
import afterme.forward.LogSource;
import afterme.format.LogCursor;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;

/** The daemon's open log as its forwarders read it: up to durable_seq, which is on disk already. */
final class DaemonLogSource implements LogSource {
    private final Log log;

    DaemonLogSource(Log log) {
        this.log = log;
    }

    @Override
    public UUID logId() {
        return log.logId();
    }

    @Override
    public long readableSeq() {
        return log.durableSeq();
    }

    @Override
    public long lastSeq() {
        return log.durableSeq();
    }

    @Override
    public LogCursor cursor(long fromSeq) {
        return log.cursor(fromSeq);
    }

    @Override
    public void makeDurable(Set<Path> segments) {
        // Nothing past durable_seq is read: every record read is on disk already.
    }

    @Override
    public Path dataDir() {
        return log.dataDir();
    }
}
