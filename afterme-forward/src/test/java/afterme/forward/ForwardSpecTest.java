package afterme.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
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

    /** serve has no --credentials-file, which the refusal of a secret in the URI named. */
    @Test
    void aSecretInTheUriIsRefusedNamingHowServeTakesCredentials() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForwardSpec.parse("x=amqp://guest:hunter2@127.0.0.1:5672/%2F?exchange=e&routing_key=k", IDLE));
        assertEquals("the amqp:// URI must not carry a user or password; put them in a file named in the URI's query"
                + " with credentials_file=PATH", e.getMessage());
    }

    /** The JDK's message named the file alone: "afterme serve: /etc/afterme/c does not exist". */
    @Test
    void aCredentialsFileThatCannotBeReadIsNamedAsOne() {
        IOException e = assertThrows(IOException.class, () -> ForwardSpec.parse(
                "x=nats://127.0.0.1:4222?subject=s&credentials_file=/nonexistent/creds", IDLE));
        assertEquals("cannot read the credentials file /nonexistent/creds: no such file", e.getMessage());
    }
}
