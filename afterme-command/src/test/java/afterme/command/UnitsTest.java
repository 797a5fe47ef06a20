package afterme.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void sizesDurationsAndTimesParseAsTheSpecSays() {
        assertEquals(512, Units.parseSize("512"));
        assertEquals(64 << 10, Units.parseSize("64KiB"));
        assertEquals(1 << 20, Units.parseSize("1MiB"));
        assertEquals(1L << 30, Units.parseSize("1GiB"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseSize("1MB2"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseSize("-1"));
        assertEquals(Duration.ofMillis(10), Units.parseDuration("10ms"));
        assertEquals(Duration.ofSeconds(2), Units.parseDuration("2s"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("2 weeks"));
        assertEquals(Instant.parse("2026-11-24T15:30:00Z"), Units.parseTime("2026-11-24T15:30:00Z", ZoneOffset.UTC));
        assertEquals(Instant.parse("2026-11-24T14:30:00Z"),
                Units.parseTime("2026-11-24T15:30:00+01:00", ZoneOffset.UTC));
        assertEquals(Instant.parse("2026-11-23T23:00:00Z"),
                Units.parseTime("2026-11-24", java.time.ZoneId.of("Europe/Berlin")));
        assertThrows(IllegalArgumentException.class, () -> Units.parseTime("yesterday", ZoneOffset.UTC));
    }
}
