package afterme.daemon;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** The lines one class logs while this is open, each as "LEVEL message", for tests of what an operator reads. */
public final class SaidLines extends Handler implements AutoCloseable {
    private final Logger logger;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();

    private SaidLines(Logger logger) {
        this.logger = logger;
    }

    public static SaidLines of(Class<?> loggingClass) {
        SaidLines said = new SaidLines(Logger.getLogger(loggingClass.getName()));
        said.logger.addHandler(said);
        return said;
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void publish(LogRecord r) {
        lines.add(r.getLevel() + " " + formatter.formatMessage(r));
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
