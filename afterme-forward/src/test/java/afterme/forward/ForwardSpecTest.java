package afterme.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ForwardSpecTest {
    private static final Duration IDLE = Duration.ofSeconds(1);

    @Test
    void aNamedUriKeepsItsSinkParametersAndGivesUpTheForwardersOwn() throws Exception {
        ForwarderConfig c = ForwardSpec.parse("orders=nats://127.0.0.1:4222?subject=orders&from=7", IDLE);
        assertEquals("orders", c.name());
        assertEquals("nats://127.0.0.1:4222?subject=orders", c.target().toString());
    }

    /** Without a name, the query's '=' split it: "'orders' needs a scheme and a host". */
    @Test
    void aUriWithoutANameIsToldToNameTheForwarder() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForwardSpec.parse("nats://127.0.0.1:4222?subject=orders", IDLE));
        assertEquals("'nats://127.0.0.1:4222?subject=orders' has no name: give NAME=URI, as in"
                + " 'nats=nats://127.0.0.1:4222?subject=orders'", e.getMessage());
        assertEquals("'orders' has no name: give NAME=URI, as in 'NAME=orders'",
                assertThrows(IllegalArgumentException.class, () -> ForwardSpec.parse("orders", IDLE)).getMessage());
    }
}
