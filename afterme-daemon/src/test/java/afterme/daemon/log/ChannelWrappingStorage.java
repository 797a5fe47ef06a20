package afterme.daemon.log;

import afterme.format.Storage;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * The default storage with every file channel it opens wrapped by a test's own; directories and deletes
 * pass through.
 */
public abstract class ChannelWrappingStorage implements Storage {
    protected abstract FileChannel wrap(FileChannel channel);

    @Override
    public final FileChannel open(Path file, OpenOption... options) throws IOException {
        return wrap(FileChannel.open(file, options));
    }

    @Override
    public void syncDirectory(Path d) throws IOException {
        Storage.DEFAULT.syncDirectory(d);
    }

    @Override
    public void delete(Path file) throws IOException {
        Storage.DEFAULT.delete(file);
    }
}
