package afterme.command;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * A failure as the one line a tool prints for it. The JDK's file system exceptions carry the file and a
 * reason, but their message is the file's path alone (an unreadable segment printed "verify:
 * /data/00000000000000000001.seg"), so those are put in words: what happened, to which file, and what to
 * do about it.
 */
public final class Failures {
    private Failures() {
    }

    public static String describe(Throwable e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied on " + files(a) + "; run as a user who may use it, or change its permissions";
        }
        if (e instanceof NoSuchFileException n) {
            return files(n) + " does not exist";
        }
        if (e instanceof FileAlreadyExistsException x) {
            return files(x) + " already exists" + (x.getReason() != null ? ": " + x.getReason() : "");
        }
        if (e instanceof NotDirectoryException n) {
            return files(n) + " is not a directory";
        }
        if (e instanceof FileSystemException f) {
            return files(f) + ": " + (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName());
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private static String files(FileSystemException f) {
        return f.getOtherFile() == null ? f.getFile() : f.getFile() + " (and " + f.getOtherFile() + ")";
    }
}
