package afterme.daemon.log;

import afterme.format.SparseIndex;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;

/**
 * Stores sealed segments' indexes, for the writer when it seals one and for readers that rebuilt a missing
 * one. An index is derived data: one that cannot be stored is rebuilt by the next reader, never a failure.
 */
final class IndexFiles {
    private static final System.Logger LOG = System.getLogger(IndexFiles.class.getName());

    private IndexFiles() {
    }

    static void store(SparseIndex index, Path segment) {
        try {
            index.store(segment);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not store the index of " + segment + "; readers will rebuild it", e);
        }
    }
}
