package afterme.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {
    /** 2026-12-01T18:48:30Z: a Tuesday evening, 19:48:30 in Berlin. */
    private static final Instant NOW = Instant.parse("2026-12-01T18:48:30Z");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void sizesAndDurationsParseAsTheSpecSays() {
        assertEquals(512, Units.parseSize("512"));
        assertEquals(64 << 10, Units.parseSize("64KiB"));
        assertEquals(1 << 20, Units.parseSize("1MiB"));
        assertEquals(1L << 30, Units.parseSize("1GiB"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseSize("1MB2"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseSize("-1"));
        assertEquals(Duration.ofMillis(10), Units.parseDuration("10ms"));
        assertEquals(Duration.ofSeconds(2), Units.parseDuration("2s"));
        assertEquals(Duration.ZERO, Units.parseDuration("0"), "zero needs no unit");
        assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("5"), "any other number does");
        assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("2 weeks"));
    }

    /** Numbers past what a long or a Duration holds are refused as too large, never as "For input string". */
    @Test
    void numbersPastTheirRangeAreTooLarge() {
        assertEquals("'99999999999999999999' is too large",
                assertThrows(IllegalArgumentException.class, () -> Units.parseSize("99999999999999999999")).getMessage());
        assertEquals("'99999999999999999999ms' is too large", assertThrows(IllegalArgumentException.class,
                () -> Units.parseDuration("99999999999999999999ms")).getMessage());
        assertEquals("'9999999999999999h' is too large",
                assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("9999999999999999h")).getMessage());
        assertEquals("'9999999999999999999us' is too large", assertThrows(IllegalArgumentException.class,
                () -> Units.parseDuration("9999999999999999999us")).getMessage());
        assertEquals("'99999999999999999999h ago' is too large", assertThrows(IllegalArgumentException.class,
                () -> Units.parseTime("99999999999999999999h ago", BERLIN, NOW)).getMessage());
        for (String far : List.of("-99999999999999h", "9999999999999999 weeks ago", "+9999999999999999d")) {
            assertEquals("'" + far + "' is too far from now",
                    assertThrows(IllegalArgumentException.class, () -> Units.parseTime(far, BERLIN, NOW)).getMessage());
        }
    }

    /** Every form README.md names, read in Berlin, and what journalctl makes of it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "2026-11-24T15:30:00Z        | 2026-11-24T15:30:00Z",
        "2026-11-24T15:30:00+01:00   | 2026-11-24T14:30:00Z",
        "2026-11-24T15:30:00.250Z    | 2026-11-24T15:30:00.250Z",
        "2026-11-24                  | 2026-11-23T23:00:00Z",
        "2026-11-24 15:30            | 2026-11-24T14:30:00Z",
        "2026-11-24 15:30:45         | 2026-11-24T14:30:45Z",
        "2026-11-24T15:30:45         | 2026-11-24T14:30:45Z",
        "2026-11-24 15:30:45.5       | 2026-11-24T14:30:45.500Z",
        "now                         | 2026-12-01T18:48:30Z",
        "today                       | 2026-11-30T23:00:00Z",
        "yesterday                   | 2026-11-29T23:00:00Z",
        "tomorrow                    | 2026-12-01T23:00:00Z",
        "-1h                         | 2026-12-01T17:48:30Z",
        "+30min                      | 2026-12-01T19:18:30Z",
        "1h ago                      | 2026-12-01T17:48:30Z",
        "2 days ago                  | 2026-11-29T18:48:30Z",
        "-90s                        | 2026-12-01T18:47:00Z",
        "1w ago                      | 2026-11-24T18:48:30Z",
    })
    void timesParseAsJournalctlReadsThem(String text, String expected) {
        assertEquals(Instant.parse(expected), Units.parseTime(text, BERLIN, NOW));
    }

    @Test
    void aTimeWithoutAnOffsetIsReadInTheZoneGiven() {
        assertEquals(Instant.parse("2026-11-24T15:30:00Z"), Units.parseTime("2026-11-24 15:30", ZoneOffset.UTC, NOW));
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @ValueSource(strings = {"next tuesday", "2026-13-01", "1 fortnight ago", "-1", "15:30:00Z", ""})
    void anythingElseIsRefusedNamingWhatIsTaken(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Units.parseTime(text, BERLIN, NOW));
        assertTrue(e.getMessage().contains("today, yesterday, now, -1h or 1h ago"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }
}
