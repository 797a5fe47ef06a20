package afterme.command;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Standard output as a raw, buffered stream. Unlike System.out it reports a closed pipe as an
 * IOException, so that {@code afterme tail | head} can stop quietly with exit 0.
 */
public final class Stdout {
    private Stdout() {
    }

    public static OutputStream open() {
        return new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
    }

    /** True when the exception means the reader of stdout went away (EPIPE). */
    public static boolean isClosedPipe(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("Broken pipe") || m.contains("Stream closed");
    }
}
