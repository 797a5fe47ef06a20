package afterme.daemon.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real, small file system to fill: a tmpfs mounted for one test. Mounting needs root (and a container
 * that allows it); without that the test is skipped and says why.
 */
public final class SmallTmpfs implements AutoCloseable {
    public final Path mount;

    private SmallTmpfs(Path mount) {
        this.mount = mount;
    }

    /** Mounts a tmpfs of {@code size} (as mount(8) takes it, e.g. "1m") under {@code parent}, or skips the test. */
    public static SmallTmpfs mountOrSkip(Path parent, String size) throws IOException, InterruptedException {
        Path mount = parent.resolve("small");
        Files.createDirectories(mount);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): "
                + new String(p.getInputStream().readAllBytes()).strip());
        return new SmallTmpfs(mount);
    }

    /** Takes {@code bytes} of its room with a file, returned so that deleting it gives the room back. */
    public Path fill(int bytes) throws IOException {
        return Files.write(mount.resolve("filler"), new byte[bytes]);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder("umount", mount.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }
}
