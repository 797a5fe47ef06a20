package afterme.daemon.log;

import afterme.format.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Storage that fails the n-th call of one kind (write, force, truncate, directory sync, open, delete)
 * once, the way a disk fills up or errs for a moment. A failing write may first write part of its bytes.
 */
final class FaultyStorage implements Storage {
    enum Op { OPEN, WRITE, FORCE, TRUNCATE, DIRSYNC, DELETE }

    private final Map<Op, Integer> calls = new EnumMap<>(Op.class);
    private final Map<Op, Integer> faultAt = new EnumMap<>(Op.class);
    private String faultMessage = "Input/output error";
    private boolean partial;
    private int directWrites;

    /**
     * Fails call number {@code at} (1-based) of {@code op} with an IOException carrying {@code message}.
     * Several ops may each have one fault.
     */
    synchronized void failOnce(Op op, int at, String message, boolean partialWrite) {
        faultAt.put(op, at);
        faultMessage = message;
        partial = partialWrite;
    }

    synchronized int calls(Op op) {
        return calls.getOrDefault(op, 0);
    }

    private synchronized void check(Op op) throws IOException {
        int n = calls.merge(op, 1, Integer::sum);
        if (faultAt.getOrDefault(op, 0) == n) {
            throw new IOException(faultMessage);
        }
    }

    private synchronized boolean writeFailsNow() {
        return faultAt.getOrDefault(Op.WRITE, 0) == calls.getOrDefault(Op.WRITE, 0) + 1;
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        check(Op.OPEN);
        return new Channel(FileChannel.open(file, options), 1);
    }

    /** The default storage's, where the file system takes {@code O_DIRECT}; its writes count and fail as writes. */
    @Override
    public FileChannel openDirect(Path file) throws IOException {
        check(Op.OPEN);
        FileChannel direct = Storage.DEFAULT.openDirect(file);
        return direct == null ? null : new Channel(direct, 4096);
    }

    synchronized int directWrites() {
        return directWrites;
    }

    /** A disk whose faults say it is full has no room left; one that errs has what the real one has. */
    @Override
    public synchronized long usableSpace(Path dir) throws IOException {
        return faultMessage.startsWith("No space") ? 0 : Storage.DEFAULT.usableSpace(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        check(Op.DIRSYNC);
        Storage.DEFAULT.syncDirectory(dir);
    }

    @Override
    public void delete(Path file) throws IOException {
        check(Op.DELETE);
        Storage.DEFAULT.delete(file);
    }

    /**
     * Asks the storage before each write, force and truncate. A write that fails partway writes whole
     * {@code unit}s: one byte, or a block of a channel that bypasses the cache, which takes nothing less.
     */
    private final class Channel extends DelegatingFileChannel {
        private final int unit;

        Channel(FileChannel inner, int unit) {
            super(inner);
            this.unit = unit;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (unit > 1) {
                synchronized (FaultyStorage.this) {
                    directWrites++;
                }
            }
            int half = src.remaining() / 2 / unit * unit;
            if (partial && writeFailsNow() && half > 0) {
                inner.write(src.duplicate().limit(src.position() + half), position);
            }
            check(Op.WRITE);
            return inner.write(src, position);
        }

        @Override
        public void force(boolean metaData) throws IOException {
            check(Op.FORCE);
            inner.force(metaData);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            check(Op.TRUNCATE);
            inner.truncate(size);
            return this;
        }
    }
}
