package afterme.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShellWordTest {
    @Test
    void plainWordsStayAsTheyAre() {
        assertEquals("/var/lib/afterme-data", ShellWord.of(Path.of("/var/lib/afterme-data")));
        assertEquals("./data_1.2@host:x=y", ShellWord.of("./data_1.2@host:x=y"));
    }

    @Test
    void othersAreQuoted() {
        assertEquals("\"/srv/my logs\"", ShellWord.of("/srv/my logs"));
        assertEquals("\"\"", ShellWord.of(""));
        assertEquals("'it'\\''s $HOME'", ShellWord.of("it's $HOME"));
    }

    /** What sh reads each word back as is the value itself. */
    @Test
    void theShellReadsEachBackAsOneWord() throws Exception {
        for (String value : List.of("/srv/my logs/data", "", "a'b", "a\"b", "$HOME", "`x`", "back\\slash", "!x",
                "tab\there", "new\nline", "*.seg", "semi;colon", "amp&", "ütf")) {
            Process p = new ProcessBuilder("sh", "-c", "printf '%s' " + ShellWord.of(value)).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertEquals(value, out, "quoted as " + ShellWord.of(value));
        }
    }
}
