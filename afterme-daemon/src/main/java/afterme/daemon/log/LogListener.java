package afterme.daemon.log;

/**
 * Told by the writer thread when records are written and when they become durable. Implementations
 * must return at once (set a flag, wake a thread): they run on the writer's hot path.
 */
public interface LogListener {
    void written(long lastSeq);

    void durable(long durableSeq);
}
