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
 * history. Synced data survives. Of the changes since a file's last fsync, one of two things survives:
 * <ul>
 *   <li>pages: each 4 KiB page of the file as it stood after any one of those changes, chosen page by page
 *   (writeback writes a page whole, pages in any order, and the fill makes records overwrite blocks
 *   already allocated, so the file's size no longer orders them), and the file's size as it stood after
 *   any one of them; a page of a version when the file was shorter reads as zeros;</li>
 *   <li>a prefix: the changes in order, the last torn at any byte, sometimes the new size without its data
 *   (zeros).</li>
 * </ul>
 * Zeros where data did not reach the disk is what ext4 in its default data=ordered mode, XFS, btrfs and
 * ZFS guarantee (FORMAT.md, "The trade-off of rule 2", says what happens where they do not). A file created
 * or deleted since its directory's last sync may or may not be there. Writes that bypass the page cache
 * ({@code O_DIRECT}, {@link #withDirectWrites}) are recorded as any other: until an fsync flushes the
 * device's cache, they may be lost or torn like the rest.
 */
final class PowerLossStorage implements Storage {
    sealed interface Op permits Create, Write, Truncate, Fsync, DirSync, Delete, Durable {
    }

    record Create(Path file) implements Op {
    }

    /** @param direct whether it went through a channel that bypasses the page cache */
    record Write(Path file, long position, byte[] bytes, boolean direct) implements Op {
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
    private final boolean directWrites;

    /** Files opened through it have no channel that bypasses the page cache, as on Jimfs. */
    PowerLossStorage() {
        this(false);
    }

    private PowerLossStorage(boolean directWrites) {
        this.directWrites = directWrites;
    }

    /** Gives the real file system's channels that bypass the page cache, recording their writes too. */
    static PowerLossStorage withDirectWrites() {
        return new PowerLossStorage(true);
    }

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
        return new Channel(file, inner, false);
    }

    @Override
    public FileChannel openDirect(Path file) throws IOException {
        FileChannel inner = directWrites ? Storage.DEFAULT.openDirect(file) : null;
        return inner == null ? null : new Channel(file, inner, true);
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

    static final int PAGE = 4096;

    private static byte[] afterPowerLoss(SimFile f, Random random) {
        return random.nextInt(3) == 0 ? prefixSurvives(f, random) : pagesSurvive(f, random);
    }

    /** Synced bytes, plus an arbitrary prefix of the unsynced changes, the last torn; or a size without data (zeros). */
    private static byte[] prefixSurvives(SimFile f, Random random) {
        byte[] content = f.synced.clone();
        int keep = f.unsynced.isEmpty() ? 0 : random.nextInt(f.unsynced.size() + 1);
        for (int i = 0; i < keep; i++) {
            boolean last = i == keep - 1;
            content = apply(content, f.unsynced.get(i), last ? random : null);
        }
        if (f.cached.length > content.length && random.nextInt(4) == 0) {
            // The inode's new size reached the disk, its data did not.
            content = Arrays.copyOf(content, f.cached.length);
        }
        return content;
    }

    /**
     * Each page at the version of its own choosing, from the synced one to the latest (half of the pages at
     * either end, so that whole runs of old and new pages occur), and the size of any version.
     */
    private static byte[] pagesSurvive(SimFile f, Random random) {
        List<byte[]> versions = new ArrayList<>();
        versions.add(f.synced);
        for (Op op : f.unsynced) {
            versions.add(apply(versions.get(versions.size() - 1), op, null));
        }
        int newest = versions.size() - 1;
        byte[] content = new byte[versions.get(random.nextInt(versions.size())).length];
        for (int page = 0; page < content.length; page += PAGE) {
            int pick = random.nextInt(4);
            byte[] version = versions.get(pick == 0 ? 0 : pick == 1 ? newest : random.nextInt(versions.size()));
            int n = Math.min(Math.min(PAGE, content.length - page), version.length - page);
            if (n > 0) {
                System.arraycopy(version, page, content, page, n);
            }
        }
        return content;
    }

    /** {@code content} after one change; a write torn at a random byte when {@code tear} is given. */
    private static byte[] apply(byte[] content, Op op, Random tear) {
        if (op instanceof Write w) {
            int n = tear != null ? tear.nextInt(w.bytes().length + 1) : w.bytes().length;
            long end = w.position() + n;
            byte[] out = Arrays.copyOf(content, (int) Math.max(content.length, end));
            System.arraycopy(w.bytes(), 0, out, (int) w.position(), n);
            return out;
        }
        if (op instanceof Truncate t) {
            return Arrays.copyOf(content, (int) t.size());
        }
        return content;
    }

    /** Records each write, truncate and fsync. */
    private final class Channel extends DelegatingFileChannel {
        private final Path file;
        private final boolean direct;

        Channel(Path file, FileChannel inner, boolean direct) {
            super(inner);
            this.file = file;
            this.direct = direct;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            byte[] bytes = new byte[src.remaining()];
            src.duplicate().get(bytes);
            int n = inner.write(src, position);
            ops.add(new Write(file, position, Arrays.copyOf(bytes, n), direct));
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
