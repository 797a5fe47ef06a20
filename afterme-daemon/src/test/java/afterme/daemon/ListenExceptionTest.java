package afterme.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * Each reason a port cannot be listened on is told in words of its own: the system words them all as one
 * kind of exception.
 */
class ListenExceptionTest {
    @Test
    void aPortSomethingListensOnIsInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            HttpFront.ListenException e = assertThrows(HttpFront.ListenException.class,
                    () -> new HttpFront("127.0.0.1", taken.getLocalPort(), null, null).bind());
            assertEquals("is already in use; stop what listens there or choose another --listen", e.getMessage());
            HttpFront.ListenException everyInterface = assertThrows(HttpFront.ListenException.class,
                    () -> new HttpFront("0.0.0.0", taken.getLocalPort(), null, null).bind());
            assertEquals(e.getMessage(), everyInterface.getMessage(), "0.0.0.0 includes the loopback address");
        }
    }

    @Test
    void anAddressOfAnotherMachineIsNotCalledInUse() {
        // 192.0.2.0/24 is set aside for documentation (RFC 5737): no machine has it, and nothing is sent there.
        HttpFront.ListenException e = assertThrows(HttpFront.ListenException.class,
                () -> new HttpFront("192.0.2.1", 7070, null, null).bind());
        assertEquals("cannot be listened on: 192.0.2.1 is not an address of this machine; give one of its own:"
                + " 127.0.0.1 for it alone, 0.0.0.0 for every interface (with --token-file)", e.getMessage());
    }
}
