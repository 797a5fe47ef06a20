package afterme.command;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.function.Consumer;

/**
 * The C library's calls that Java has no word for, bound with JNA's direct mapping: a class declares them
 * as {@code static native} methods and binds them here once. Only on Linux, where their flags and
 * structures are the ones afterme's callers assume; a command that calls this must depend on JNA itself.
 */
public final class CLibrary {
    private CLibrary() {
    }

    /**
     * Binds the native methods of {@code calls} to the C library.
     *
     * @param onFailure told why, when JNA cannot bind them
     * @return whether they were bound; false, and nothing bound, off Linux or on failure
     */
    public static boolean bind(Class<?> calls, Consumer<Throwable> onFailure) {
        if (!Platform.isLinux()) {
            return false;
        }
        try {
            Native.register(calls, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
            return true;
        } catch (LinkageError | RuntimeException e) {
            onFailure.accept(e);
            return false;
        }
    }
}
