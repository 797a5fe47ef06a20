package afterme.tail;

import afterme.command.CLibrary;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Whether whoever read stdout has gone, asked without writing to it: {@code afterme tail -f | head -n 5}
 * should end once head has its lines, not at the next record, which a quiet log may not write for hours.
 * Linux's {@code poll(2)} marks the write end of a pipe whose reader closed with {@code POLLERR}, and a
 * socket whose peer left with {@code POLLHUP}; coreutils' {@code tail -f} and {@code journalctl -f} ask
 * the same. Where the C library cannot be reached this always says no, and tail ends at its next write.
 */
final class StdoutReader {
    private static final int STDOUT = 1;
    private static final short POLLERR = 0x008;
    private static final short POLLHUP = 0x010;
    /** {@code struct pollfd}: int fd, short events, short revents. */
    private static final int POLLFD_BYTES = 8;
    private static final int REVENTS_OFFSET = 6;
    private static final boolean LINKED = CLibrary.bind(LibC.class, e -> { });

    private StdoutReader() {
    }

    static boolean gone() {
        if (!LINKED) {
            return false;
        }
        Memory pollfd = new Memory(POLLFD_BYTES);
        pollfd.clear();
        pollfd.setInt(0, STDOUT);
        if (LibC.poll(pollfd, 1, 0) != 1) {
            return false;
        }
        return (pollfd.getShort(REVENTS_OFFSET) & (POLLERR | POLLHUP)) != 0;
    }

    /** The one call of the C library needed, bound directly (JNA direct mapping). */
    private static final class LibC {
        static native int poll(Pointer fds, int nfds, int timeoutMillis);

        private LibC() {
        }
    }
}
