package afterme.daemon.log;

import afterme.format.Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Records every change the engine makes to its files (create, write, truncate, fsync, directory sync,
 * delete) in order, and rebuilds what a disk could hold after a power loss at any point of that
 * history: synced data survives; of the unsynced changes of a file an arbitrary prefix survives, the
 * last one torn at any byte; sometimes the file's new size survives without its data, read back as
 * zeros (ext4 in its default data=ordered mode, XFS, btrfs and ZFS never show a crashed file's stale
 * blocks; FORMAT.md, "The trade-off of rule 2", says what happens where they can); a file created or
 * deleted since its directory's last sync may or may not be there.
 */
final class PowerLossStorage implements Storage {
    sealed interface Op permits Create, Write, Truncate, Fsync, DirSync, Delete, Durable {
    }

    record Create(Path file) implements Op {
    }

    record Write(Path file, long position, byte[] bytes) implements Op {
    }

    record Truncate(Path file, long size) implements Op {
    }

    record Fsync(Path file) implements Op {
    }

    record DirSync(Path dir) implements Op {
    }

    record Delete(Path file) implements Op {
    }

    /** Not a file change: the engine acknowledged seqs up to this one as durable. */
    record Durable(long seq) implements Op {
    }

    private final List<Op> ops = Collections.synchronizedList(new ArrayList<>());

    List<Op> ops() {
        return List.copyOf(ops);
    }

    void durable(long seq) {
        ops.add(new Durable(seq));
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        boolean existed = Files.exists(file);
        FileChannel inner = FileChannel.open(file, options);
        if (!existed) {
            ops.add(new Create(file));
        }
        if (Arrays.asList(options).contains(StandardOpenOption.TRUNCATE_EXISTING) && existed) {
            ops.add(new Truncate(file, 0));
        }
        return new Channel(file, inner);
    }

    @Override
    public void syncDirectory(Path dir) {
        ops.add(new DirSync(dir));
    }

    @Override
    public void delete(Path file) throws IOException {
        Files.delete(file);
        ops.add(new Delete(file));
    }

    /** The state of one file on the simulated disk while the history is replayed. */
    private static final class SimFile {
        byte[] synced = new byte[0];
        byte[] cached = new byte[0];
        final List<Op> unsynced = new ArrayList<>();
        boolean entrySynced;
        boolean deleted;
    }

    /**
     * Writes into {@code target} (an empty directory tree on any file system) what the disk could hold
     * after a power loss just before op {@code cut}, choosing with {@code random} among the outcomes.
     *
     * @param root the directory whose files are replayed (paths are re-rooted under {@code target})
     */
    static void crashImage(List<Op> history, int cut, Path root, Path target, Random random) throws IOException {
        Map<Path, SimFile> files = new HashMap<>();
        for (Op op : history.subList(0, cut)) {
            if (op instanceof Create c) {
                files.put(c.file(), new SimFile());
            } else if (op instanceof Write w) {
                SimFile f = files.get(w.file());
                long end = w.position() + w.bytes().length;
                if (f.cached.length < end) {
                    f.cached = Arrays.copyOf(f.cached, (int) end);
                }
                System.arraycopy(w.bytes(), 0, f.cached, (int) w.position(), w.bytes().length);
                f.unsynced.add(w);
            } else if (op instanceof Truncate t) {
                SimFile f = files.get(t.file());
                f.cached = Arrays.copyOf(f.cached, (int) t.size());
                f.unsynced.add(t);
            } else if (op instanceof Fsync s) {
                SimFile f = files.get(s.file());
                f.synced = f.cached.clone();
                f.unsynced.clear();
            } else if (op instanceof DirSync d) {
                files.entrySet().removeIf(e -> e.getKey().getParent().equals(d.dir()) && e.getValue().deleted);
                for (Map.Entry<Path, SimFile> e : files.entrySet()) {
                    if (e.getKey().getParent().equals(d.dir())) {
                        e.getValue().entrySynced = true;
                    }
                }
            } else if (op instanceof Delete d) {
                files.get(d.file()).deleted = true;
            }
        }
        for (Map.Entry<Path, SimFile> e : files.entrySet()) {
            SimFile f = e.getValue();
            boolean present = f.entrySynced ? (!f.deleted || random.nextBoolean()) : (!f.deleted && random.nextBoolean());
            if (!present) {
                continue;
            }
            byte[] content = f.deleted ? f.synced : afterPowerLoss(f, random);
            Path out = target.resolve(root.relativize(e.getKey()).toString());
            Files.createDirectories(out.getParent());
            Files.write(out, content);
        }
    }

    /** Synced bytes, plus an arbitrary prefix of the unsynced changes, the last torn; or a size without data (zeros). */
    private static byte[] afterPowerLoss(SimFile f, Random random) {
        byte[] content = f.synced.clone();
        int keep = f.unsynced.isEmpty() ? 0 : random.nextInt(f.unsynced.size() + 1);
        for (int i = 0; i < keep; i++) {
            Op op = f.unsynced.get(i);
            boolean last = i == keep - 1;
            if (op instanceof Write w) {
                int n = last ? random.nextInt(w.bytes().length + 1) : w.bytes().length;
                long end = w.position() + n;
                if (content.length < end) {
                    content = Arrays.copyOf(content, (int) end);
                }
                System.arraycopy(w.bytes(), 0, content, (int) w.position(), n);
            } else if (op instanceof Truncate t) {
                content = Arrays.copyOf(content, (int) t.size());
            }
        }
        if (f.cached.length > content.length && random.nextInt(4) == 0) {
            // The inode's new size reached the disk, its data did not.
            content = Arrays.copyOf(content, f.cached.length);
        }
        return content;
    }

    /** Records each write, truncate and fsync. */
    private final class Channel extends DelegatingFileChannel {
        private final Path file;

        Channel(Path file, FileChannel inner) {
            super(inner);
            this.file = file;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            byte[] bytes = new byte[src.remaining()];
            src.duplicate().get(bytes);
            int n = inner.write(src, position);
            ops.add(new Write(file, position, Arrays.copyOf(bytes, n)));
            return n;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            inner.force(metaData);
            ops.add(new Fsync(file));
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            inner.truncate(size);
            ops.add(new Truncate(file, size));
            return this;
        }
    }
}
