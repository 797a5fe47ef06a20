package afterme.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.SegmentNames;
import afterme.format.Segments;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code afterme info} on a log that the daemon is writing. */
class InfoCommandTest {
    @TempDir
    Path dir;

    /** The daemon creates the next segment's file an instant before it writes its header into it. */
    @Test
    void aSegmentBeingCreatedIsNotYetPartOfTheLog() throws Exception {
        ToolsIT.writeLog(dir, 40, 4 << 10);
        int segments = Segments.list(dir).size();
        assertTrue(segments > 1, "it rotated: " + segments);
        InfoCommand.Info before = InfoCommand.read(dir);
        assertEquals(40, before.lastSeq());
        Files.createFile(dir.resolve(SegmentNames.name(41)));
        assertEquals(before, InfoCommand.read(dir));
    }
}
