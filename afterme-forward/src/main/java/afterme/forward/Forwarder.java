package afterme.forward;

import afterme.command.RetryLog;
import afterme.format.Directories;
import afterme.format.LogCursor;
import afterme.format.LogFormatException;
import afterme.format.LogRecord;
import afterme.format.PayloadMode;
import afterme.format.Problem;
import afterme.format.RecordJson;
import afterme.format.SuggestedCommand;
import afterme.forward.ForwarderStatus.State;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * Sends every record of a log that may be sent ({@link LogSource#readableSeq}), in seq order, to one broker,
 * and keeps a {@link Checkpoint} of the last one the broker confirmed.
 *
 * <p>One thread of its own does everything: it reads records from the files (never from a queue, so a dead
 * broker costs no memory), sends up to a window of them unconfirmed, and when confirms arrive, in order,
 * advances and hands the checkpoint to its {@link CheckpointWriter}. A broker that fails or goes quiet is
 * reconnected with capped, jittered backoff (as is a start that meets an I/O error), and sending starts again
 * after the last confirmed record: the only duplicates are records sent and not confirmed before the
 * failure, and, after a crash, those confirmed since the last checkpoint write. A record the broker refuses
 * stops the forwarder or is dead-lettered ({@link OnReject}); a record that fails its checks, or a checkpoint
 * that does not match the log, stops it: it never skips.
 *
 * <p>Thread-safe: {@link #status}, {@link #wake} and {@link #close} may be called from any thread.
 */
public final class Forwarder implements AutoCloseable {
    private static final Logger LOG = System.getLogger(Forwarder.class.getName());
    private static final long BACKOFF_MIN_NANOS = 100_000_000L;

    private final ForwarderConfig config;
    private final LogSource source;
    private final SinkProvider provider;
    private final LongConsumer confirmNanos;
    private final Path checkpointFile;
    private final Path deadLetterFile;
    private final Thread thread;

    // Owned by the forwarder's thread.
    private final ArrayDeque<Pending> inflight = new ArrayDeque<>();
    private long inflightBytes;
    /**
     * Records of this connection that failed and still wait in {@link #inflight}; counted by the sink's
     * threads as failures arrive, so that sending stops at once without looking through the window.
     */
    private AtomicInteger failedInFlight = new AtomicInteger();
    private Sink sink;
    private LogCursor cursor;
    private UUID logId;
    private String logIdText;
    private long confirmedSeq;
    private byte[] confirmedChain = new byte[0];
    /** The seq in the checkpoint file; -1 until the start is known. */
    private long savedSeq = -1;
    private FileChannel lock;
    private CheckpointWriter checkpoints;
    private final RetryLog retryLog;

    // Read by status().
    private volatile State state = State.STARTING;
    private volatile long forwardedSeq;
    private volatile String lastError;
    /** Why it stopped; null while it has not. */
    private volatile StopCause stopCause;
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private volatile boolean closing;

    /**
     * @param confirmNanos told the time from sending each record to its confirm
     * @throws IllegalArgumentException when no sink takes the target's scheme or its parameters are wrong
     */
    public Forwarder(ForwarderConfig config, LogSource source, LongConsumer confirmNanos) {
        this.config = config;
        this.retryLog = new RetryLog(LOG, "forwarder " + config.name(), config.nanoTime());
        this.source = source;
        this.provider = Sinks.forTarget(config.target());
        this.confirmNanos = confirmNanos;
        this.checkpointFile = Checkpoint.file(source.dataDir(), config.name());
        this.deadLetterFile = deadLetterFile(source.dataDir(), config.name());
        this.thread = new Thread(this::run, "afterme-forward-" + config.name());
        thread.setDaemon(true);
    }

    /** Where forwarder {@code name} appends the records it dead-letters. */
    public static Path deadLetterFile(Path dataDir, String name) {
        return dataDir.resolve(Checkpoint.DIR).resolve(name + ".dead-letter.ndjson");
    }

    public Forwarder start() {
        thread.start();
        return this;
    }

    /**
     * Tells the forwarder that records may be waiting: durable_seq advanced. Returns at once. A forwarder
     * backing off from a broker that is down has nothing to send, and is left asleep: woken for every fsync,
     * it would cost the daemon a context switch each.
     */
    public void wake() {
        if (state != State.RETRYING) {
            LockSupport.unpark(thread);
        }
    }

    public String name() {
        return config.name();
    }

    public ForwarderStatus status() {
        return new ForwarderStatus(config.name(), config.target().toString(), state, forwardedSeq, lastError,
                retries.get(), deadLettered.get(), duplicates.get());
    }

    /** Why it stopped; null while it runs, or when it was closed. */
    public StopCause stopCause() {
        return stopCause;
    }

    /** Waits until the forwarder has ended: stopped by a refusal or damage, or closed. */
    public void await() throws InterruptedException {
        thread.join();
    }

    /** Asks the forwarder to stop, as {@link #close} does, without waiting: to close several at once. */
    public void requestClose() {
        closing = true;
        LockSupport.unpark(thread);
    }

    /**
     * Stops reading, waits up to the grace period for the broker to confirm what was sent, writes the
     * checkpoint and disconnects.
     */
    @Override
    public void close() {
        requestClose();
        try {
            thread.join(config.grace().toMillis() + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        String stopped = null;
        try {
            startRetrying();
            loop();
        } catch (Halt h) {
            stopped = h.getMessage();
            stopCause = h.cause;
            LOG.log(Level.ERROR, "forwarder {0} stopped: {1}", config.name(), h.getMessage());
        } catch (RuntimeException e) {
            stopped = "cannot start: " + e.getMessage();
            stopCause = StopCause.HALTED;
            LOG.log(Level.ERROR, "forwarder {0} cannot start: {1}", config.name(), e.toString());
        } finally {
            finish();
            // Told only now, so that whoever sees the state also finds the checkpoint written.
            if (stopped != null) {
                lastError = stopped;
            }
            state = stopped != null ? State.STOPPED : State.CLOSED;
        }
    }

    /**
     * {@link #begin}, again with backoff after an I/O error, as a broker's errors are: what the start reads
     * may fail for a moment (a full disk, a file of the log being replaced), and a forwarder that stopped for
     * it would wait for a restart of the daemon. A record that fails its checks stops it, as it does later.
     */
    private void startRetrying() throws Halt {
        long backoff = BACKOFF_MIN_NANOS;
        while (!closing) {
            try {
                begin();
                retryLog.succeeded(() -> "started");
                return;
            } catch (LogFormatException e) {
                throw damaged(e);
            } catch (IOException e) {
                lastError = "cannot start: " + (e.getMessage() != null ? e.getMessage() : e.toString());
                state = State.RETRYING;
                retries.incrementAndGet();
                retryLog.failed(lastError, "trying again");
                sleep(ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1));
                backoff = Math.min(config.backoffMax().toNanos(), backoff * 2);
            }
        }
    }

    /** Finds where to start: after the checkpoint, proven to be this log's, or where a new forwarder was told. */
    private void begin() throws IOException, Halt {
        logId = source.logId();
        logIdText = logId.toString();
        lock();
        if (checkpoints == null) {
            checkpoints = new CheckpointWriter(checkpointFile, config.name());
        }
        Checkpoint cp;
        try {
            cp = Checkpoint.read(checkpointFile);
        } catch (Checkpoint.CheckpointException e) {
            throw new Halt(e.getMessage());
        }
        if (cp != null) {
            checkBelongs(cp);
            confirmedSeq = cp.seq();
            confirmedChain = cp.chain();
            savedSeq = cp.seq();
        } else {
            long first = switch (config.startAt().kind()) {
                case START -> 1;
                case END -> source.lastSeq() + 1;
                case SEQ -> config.startAt().seq();
            };
            if (first > 1) {
                LogRecord before = readRecord(first - 1);
                if (before == null) {
                    throw new Halt(StopCause.START_PAST_THE_END, "cannot start at seq " + first
                            + ": the log's last durable seq is " + source.lastSeq() + "; give a seq up to "
                            + (source.lastSeq() + 1) + ", one past it");
                }
                confirmedChain = before.chain();
            }
            confirmedSeq = first - 1;
            // A new forwarder's start is fixed before anything is sent: a restart resumes here, not at a new end.
            checkpoint().write(checkpointFile);
            savedSeq = confirmedSeq;
        }
        forwardedSeq = confirmedSeq;
    }

    /** One forwarder of a name at a time, in the daemon or on its own: two would race on one checkpoint. */
    private void lock() throws IOException, Halt {
        if (lock != null) {
            return; // taken by a start that then failed and is tried again
        }
        Path file = checkpointFile.resolveSibling(config.name() + ".lock");
        Directories.create(file.getParent(), "the forwarders' checkpoints");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (ch.tryLock() == null) {
                ch.close();
                throw new Halt(StopCause.IN_USE, "forwarder " + config.name() + " already runs on " + source.dataDir()
                        + " (another process holds " + file + ")");
            }
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw new Halt(StopCause.IN_USE, "forwarder " + config.name() + " already runs in this process");
        }
        lock = ch;
    }

    private void checkBelongs(Checkpoint cp) throws IOException, Halt {
        String redo = " Forwarding again would skip records or put other records under the same seqs in the broker."
                + " If the broker should get this log from some seq on, remove " + checkpointFile
                + " and start the forwarder with --from SEQ.";
        if (!cp.logId().equals(logId)) {
            throw new Halt("checkpoint " + checkpointFile + " is of log " + cp.logId() + ", but " + source.dataDir()
                    + " holds log " + logId + ": the log was replaced." + redo);
        }
        if (cp.seq() == 0) {
            return;
        }
        LogRecord r = readRecord(cp.seq());
        if (r == null) {
            throw new Halt("checkpoint " + checkpointFile + " says seq " + cp.seq() + " was forwarded, but the log's"
                    + " last durable seq is " + source.lastSeq() + ": the log was restored from an older copy or cut."
                    + redo);
        }
        if (!Arrays.equals(r.chain(), cp.chain())) {
            throw new Halt("checkpoint " + checkpointFile + " says seq " + cp.seq() + " has chain "
                    + HexFormat.of().formatHex(cp.chain()) + ", but the log's record " + cp.seq() + " has chain "
                    + HexFormat.of().formatHex(r.chain()) + ": the log was replaced or restored." + redo);
        }
    }

    private void loop() throws Halt {
        long backoff = BACKOFF_MIN_NANOS;
        while (!closing) {
            try {
                if (sink == null) {
                    connect();
                }
                boolean confirmed = drain();
                if (confirmed) {
                    saveCheckpoint();
                    backoff = BACKOFF_MIN_NANOS;
                    // Told of progress, not of a connection: a broker that takes connections and then fails
                    // every send would otherwise be "back" at each reconnection.
                    retryLog.succeeded(() -> "forwarding again, up to seq " + confirmedSeq);
                }
                boolean sent = fill();
                if (!confirmed && !sent) {
                    LockSupport.parkNanos(idleNanos());
                }
            } catch (IOException | RuntimeException e) {
                disconnect();
                retries.incrementAndGet();
                lastError = e.getMessage() != null ? e.getMessage() : e.toString();
                state = State.RETRYING;
                retryLog.failed(config.target() + ": " + lastError, "reconnecting");
                sleep(ThreadLocalRandom.current().nextLong(backoff / 2, backoff + 1));
                backoff = Math.min(config.backoffMax().toNanos(), backoff * 2);
            }
        }
    }

    /** The wait when idle: until woken, but no longer than the idle wait nor than the oldest confirm may take. */
    private long idleNanos() {
        long wait = config.idleWait().toNanos();
        Pending head = inflight.peekFirst();
        if (head != null) {
            wait = Math.min(wait, Math.max(1, head.sentNanos + config.confirmTimeout().toNanos() - now()));
        }
        return wait;
    }

    private void connect() throws IOException, Halt {
        sink = provider.connect(config.target());
        long held = sink.heldThrough(logIdText, confirmedSeq);
        if (held > confirmedSeq) {
            // Sent and confirmed before a crash that came before the checkpoint was written: the broker has them.
            LogRecord r = readRecord(held);
            if (r == null) {
                throw new Halt(config.target() + " already holds seq " + held + " of log " + logId + ", but the log's"
                        + " last durable seq is " + source.lastSeq() + ": the log was restored from an older copy."
                        + " Point the forwarder at a new topic, or restore the log.");
            }
            LOG.log(Level.INFO, "forwarder {0}: {1} already holds up to seq {2}; resuming after it",
                    config.name(), config.target(), held);
            confirmedSeq = held;
            confirmedChain = r.chain();
            forwardedSeq = held;
            saveCheckpoint();
        }
        cursor = source.cursor(confirmedSeq + 1);
        state = State.RUNNING;
        lastError = null;
    }

    /**
     * Takes the confirms that have arrived, in seq order, up to the first record still waiting.
     *
     * @return whether the confirmed seq advanced
     * @throws IOException when the broker failed a record or has confirmed nothing for too long
     */
    private boolean drain() throws IOException, Halt {
        boolean advanced = false;
        while (!inflight.isEmpty()) {
            Pending p = inflight.peekFirst();
            if (!p.future.isDone()) {
                long waited = now() - p.sentNanos;
                if (waited > config.confirmTimeout().toNanos()) {
                    throw new IOException("the broker has not confirmed seq " + p.record.seq() + " for "
                            + waited / 1_000_000_000L + " s");
                }
                break;
            }
            try {
                if (p.future.join()) {
                    duplicates.incrementAndGet();
                }
                confirmNanos.accept(p.doneNanos - p.sentNanos);
            } catch (CompletionException | CancellationException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (!(cause instanceof RejectedException rejected)) {
                    throw new IOException("the broker did not take seq " + p.record.seq() + ": " + cause.getMessage(),
                            cause);
                }
                reject(p.record, rejected);
                failedInFlight.decrementAndGet();
            }
            inflight.removeFirst();
            inflightBytes -= p.record.size();
            confirmedSeq = p.record.seq();
            confirmedChain = p.record.chain();
            forwardedSeq = confirmedSeq;
            advanced = true;
        }
        return advanced;
    }

    private void reject(LogRecord r, RejectedException rejected) throws IOException, Halt {
        String where = "seq " + r.seq() + " (segment " + r.segment() + " offset " + r.offset() + ")";
        if (config.onReject() == OnReject.STOP) {
            throw new Halt(config.target() + " refused " + where + ": " + rejected.getMessage()
                    + "; forwarding stopped before it. Once the broker can take it, " + config.host().startAgain
                    + "; or set such records aside with " + config.host().deadLetter + ".");
        }
        Files.createDirectories(deadLetterFile.getParent());
        boolean created = !Files.exists(deadLetterFile);
        try (FileChannel ch = FileChannel.open(deadLetterFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer line = ByteBuffer.wrap(RecordJson.line(r, PayloadMode.AUTO, RecordJson.Location.INCLUDE, null));
            while (line.hasRemaining()) {
                ch.write(line);
            }
            ch.force(false);
        }
        if (created) {
            Checkpoint.syncDirectory(deadLetterFile.getParent());
        }
        deadLettered.incrementAndGet();
        retryLog.repeated(config.target() + " refused " + where + ": " + rejected.getMessage() + "; the record is in "
                + deadLetterFile);
    }

    /**
     * Reads what may be sent, up to the window, makes it durable and sends it.
     *
     * @return whether anything was sent
     */
    private boolean fill() throws IOException, Halt {
        if (closing || failedInFlight.get() > 0) {
            // A record failed and waits behind earlier ones for its turn: nothing after it goes meanwhile, so
            // that the broker never gets a record before an earlier one it has not taken.
            return false;
        }
        long limit = source.readableSeq();
        List<LogRecord> batch = new ArrayList<>();
        Set<Path> segments = new HashSet<>();
        long bytes = inflightBytes;
        LogFormatException damage = null;
        while (inflight.size() + batch.size() < config.windowRecords()
                && (bytes < config.windowBytes() || inflight.isEmpty() && batch.isEmpty())
                && cursor.nextSeq() <= limit) {
            LogRecord r;
            try {
                r = cursor.next();
            } catch (LogFormatException e) {
                damage = e;
                break;
            }
            if (r == null) {
                break;
            }
            batch.add(r);
            bytes += r.size();
            segments.add(cursor.segment());
        }
        if (!batch.isEmpty()) {
            source.makeDurable(segments);
            for (LogRecord r : batch) {
                if (!send(r)) {
                    // Refused or failed before it left: nothing after it goes (see above). Reading goes on after
                    // it once it is dealt with.
                    if (r != batch.get(batch.size() - 1)) {
                        cursor.close();
                        cursor = source.cursor(r.seq() + 1);
                        damage = null;
                    }
                    break;
                }
            }
            sink.flush();
        }
        if (damage != null) {
            throw damaged(damage);
        }
        return !batch.isEmpty();
    }

    private Halt damaged(LogFormatException damage) {
        Problem p = damage.problem();
        return new Halt("the log is damaged: " + p.describe() + "; forwarding stopped before it. Run '"
                + SuggestedCommand.verify(source.dataDir()) + "'.");
    }

    /** @return false when the sink failed the record at once */
    private boolean send(LogRecord r) {
        Pending p = new Pending(r, now());
        CompletableFuture<Boolean> f;
        try {
            f = sink.publish(Message.of(logIdText, r));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        AtomicInteger failed = failedInFlight;
        p.future = f.whenComplete((v, e) -> {
            p.doneNanos = now();
            if (e != null) {
                failed.incrementAndGet();
            }
            LockSupport.unpark(thread);
        });
        inflight.addLast(p);
        inflightBytes += r.size();
        return !p.future.isCompletedExceptionally();
    }

    /** Stops reading; gives outstanding confirms the grace period, then keeps what was confirmed. */
    private void finish() {
        long deadline = now() + config.grace().toNanos();
        while (sink != null && !inflight.isEmpty() && now() < deadline) {
            try {
                drain();
            } catch (IOException | Halt | RuntimeException e) {
                break;
            }
            if (!inflight.isEmpty()) {
                LockSupport.parkNanos(Math.min(10_000_000L, Math.max(1, deadline - now())));
            }
        }
        try {
            // Only once the start is known: a forwarder refused at start leaves the checkpoint as it found it.
            if (savedSeq >= 0) {
                offerFinalCheckpoint();
            }
            if (checkpoints != null) {
                checkpoints.close();
            }
        } catch (IOException e) {
            LOG.log(Level.ERROR, "forwarder {0}: cannot write its checkpoint {1}: {2}; it will send again what was"
                    + " confirmed after the checkpoint the file holds", config.name(), checkpointFile, e.toString());
        }
        disconnect();
        if (lock != null) {
            try {
                lock.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "releasing the forwarder's lock failed", e);
            }
        }
    }

    /** The last checkpoint goes to the writer even when an earlier write failed: closing the writer writes it. */
    private void offerFinalCheckpoint() {
        try {
            saveCheckpoint();
        } catch (IOException earlier) {
            LOG.log(Level.WARNING, "forwarder {0}: an earlier checkpoint write failed: {1}", config.name(),
                    earlier.toString());
        }
    }

    /** Hands the checkpoint to its writer when the confirmed seq moved; it is written soon after. */
    private void saveCheckpoint() throws IOException {
        if (confirmedSeq != savedSeq) {
            savedSeq = confirmedSeq;
            checkpoints.offer(checkpoint());
        }
    }

    private Checkpoint checkpoint() {
        return new Checkpoint(config.name(), logId, confirmedSeq, confirmedChain, config.target().toString());
    }

    private void disconnect() {
        inflight.clear();
        inflightBytes = 0;
        // The old connection's futures may still fail; they count against a counter nobody reads any more.
        failedInFlight = new AtomicInteger();
        if (cursor != null) {
            try {
                cursor.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing a cursor failed", e);
            }
            cursor = null;
        }
        if (sink != null) {
            sink.close();
            sink = null;
        }
    }

    /** A record of the log, or null when it is not (yet) one that may be sent. */
    private LogRecord readRecord(long seq) throws IOException {
        if (seq > source.readableSeq()) {
            return null;
        }
        try (LogCursor c = source.cursor(seq)) {
            LogRecord r = c.next();
            return r != null && r.seq() == seq ? r : null;
        }
    }

    /** Waits out a backoff; only closing cuts it short. */
    private void sleep(long nanos) {
        long deadline = now() + nanos;
        while (!closing && now() < deadline) {
            LockSupport.parkNanos(Math.min(100_000_000L, deadline - now()));
        }
    }

    private long now() {
        return config.nanoTime().getAsLong();
    }

    /** A record sent and not yet confirmed. */
    private static final class Pending {
        final LogRecord record;
        final long sentNanos;
        CompletableFuture<Boolean> future;
        volatile long doneNanos;

        Pending(LogRecord record, long sentNanos) {
            this.record = record;
            this.sentNanos = sentNanos;
        }
    }

    /** Why a forwarder stopped, where its caller answers the cases differently (an exit code, say). */
    public enum StopCause {
        /** At its start: a forwarder of its name already runs on the log ({@link #lock}). */
        IN_USE,
        /** At its start: the seq it was told to start at lies past the log's last durable seq and one more. */
        START_PAST_THE_END,
        /** Anything else an operator must see to: a record or checkpoint that fails its checks, a refusal. */
        HALTED
    }

    /** Forwarding cannot go on without an operator: the reason is the message. */
    private static final class Halt extends Exception {
        final StopCause cause;

        Halt(String message) {
            this(StopCause.HALTED, message);
        }

        Halt(StopCause cause, String message) {
            super(message);
            this.cause = cause;
        }
    }
}
