package afterme.terminal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What the links under /proc/self/fd tell about a descriptor, before JLine is asked. */
class TtyTest {
    @Test
    void pipesFilesAndDevNullAreNotTerminals() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            assertFalse(Tty.mayBeTerminal(link(fs, "pipe:[48213]")));
            assertFalse(Tty.mayBeTerminal(link(fs, "/dev/null")));
            assertFalse(Tty.mayBeTerminal(link(fs, "/var/log/afterme.log")));
            assertFalse(Tty.mayBeTerminal(link(fs, "socket:[1177]")));
        }
    }

    @Test
    void terminalsAndUnknownsAreLeftToJLine() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            assertTrue(Tty.mayBeTerminal(link(fs, "/dev/pts/3")));
            assertTrue(Tty.mayBeTerminal(link(fs, "/dev/tty1")));
            assertTrue(Tty.mayBeTerminal(link(fs, "/dev/console")));
            assertTrue(Tty.mayBeTerminal(fs.getPath("/proc/self/fd/7")), "no /proc: JLine decides");
        }
    }

    private static Path link(FileSystem fs, String target) throws IOException {
        Path dir = Files.createDirectories(fs.getPath("/proc/self/fd"));
        Path fd = dir.resolve("2");
        Files.deleteIfExists(fd);
        return Files.createSymbolicLink(fd, fs.getPath(target));
    }
}
