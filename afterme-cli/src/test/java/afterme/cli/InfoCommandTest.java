package afterme.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import afterme.format.DataDirLock;
import afterme.format.SegmentNames;
import afterme.format.Segments;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        InfoCommand.Info after = InfoCommand.read(dir);
        assertEquals(List.of(before.lastSeq(), before.segments(), before.bytes(), before.chainHead()),
                List.of(after.lastSeq(), after.segments(), after.bytes(), after.chainHead()));
        assertEquals(null, before.tornTail());
        try (DataDirLock daemon = DataDirLock.acquire(dir)) {
            InfoCommand.Info held = InfoCommand.read(dir);
            assertTrue(held.locked());
            assertEquals(null, held.tornTail(), "a daemon is creating it");
            assertEquals(null, held.tornTailBytes());
        }
        // No daemon holds this log: the file is what a crash left half-created, which recover removes.
        assertTrue(after.tornTail().contains(SegmentNames.name(41) + " offset 0: torn_tail: half-created segment"),
                after.tornTail());
    }

    /** A crash while the first segment was created leaves a log with no segment but that one's bytes to cut. */
    @Test
    void aHalfCreatedFirstSegmentIsToldInALogThatIsOtherwiseEmpty() throws Exception {
        Files.write(dir.resolve(SegmentNames.name(1)), new byte[30]);
        InfoCommand.Info info = InfoCommand.read(dir);
        assertEquals(List.of(0, 0L), List.of(info.segments(), info.lastSeq()));
        assertEquals(30L, info.tornTailBytes());
        String text = InfoCommand.text(dir, info);
        assertTrue(text.contains("(empty: no segment yet)\ntorn tail:  segment " + SegmentNames.name(1)
                + " offset 0: torn_tail: half-created segment: 30 bytes")
                && text.contains("'afterme recover " + dir + "' cuts it"), text);
    }

    /** After a crash, info tells of the torn tail that recover, or serve at its start, cuts. */
    @Test
    void aTornTailIsToldWithTheCommandThatCutsIt() throws Exception {
        ToolsIT.writeLog(dir, 10, 1 << 20);
        assertEquals(0L, InfoCommand.read(dir).tornTailBytes());
        Path segment = Segments.list(dir).get(0);
        byte[] torn = "half a record".getBytes(StandardCharsets.UTF_8);
        long end = ToolsIT.writeTornRecord(segment, torn);
        InfoCommand.Info info = InfoCommand.read(dir);
        assertEquals(Files.size(segment) - end, info.tornTailBytes(), "what recover cuts, the fill's zeros too");
        assertEquals(10, info.lastSeq());
        String text = InfoCommand.text(dir, info);
        assertTrue(text.contains("\ntorn tail:  segment " + segment.getFileName() + " offset " + end + " seq 11: torn_tail: "
                + info.tornTailBytes() + " bytes after the last valid record")
                && text.contains("a crash left it: 'afterme recover " + dir + "' cuts it"), text);
    }
}
