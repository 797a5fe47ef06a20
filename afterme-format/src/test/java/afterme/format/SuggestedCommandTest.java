package afterme.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SuggestedCommandTest {
    private static final Path PLAIN = Path.of("/srv/afterme-data");
    private static final Path SPACED = Path.of("/srv/event log");

    @Test
    void eachCommandNamesTheDirectoryAsOneShellWord() {
        assertEquals("afterme verify /srv/afterme-data", SuggestedCommand.verify(PLAIN));
        assertEquals("afterme verify \"/srv/event log\"", SuggestedCommand.verify(SPACED));
        assertEquals("afterme recover \"/srv/event log\"", SuggestedCommand.recover(SPACED));
    }

    @Test
    void cutsNameTheSeqAfterTheDirectory() {
        assertEquals("afterme recover /srv/afterme-data --truncate-at-seq 42", SuggestedCommand.recoverAt(PLAIN, 42));
        assertEquals("afterme recover \"/srv/event log\" --dry-run --truncate-at-seq 7",
                SuggestedCommand.recoverDryRunAt(SPACED, 7));
    }
}
