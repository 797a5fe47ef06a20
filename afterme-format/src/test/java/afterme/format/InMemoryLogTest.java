package afterme.format;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;

/** Tests of a log directory on an in-memory file system, each test with its own, whose first segment they write. */
abstract class InMemoryLogTest {
    final FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
    final Path dir = fs.getPath("/log");
    final Path first = dir.resolve(SegmentNames.name(1));

    @AfterEach
    void closeFileSystem() throws IOException {
        fs.close();
    }

    /** Writes {@code bytes} as the first segment, the directory created first. */
    void write(byte[] bytes) throws IOException {
        Files.createDirectories(dir);
        Files.write(first, bytes);
    }
}
