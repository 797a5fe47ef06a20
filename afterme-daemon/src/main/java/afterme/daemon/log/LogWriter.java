package afterme.daemon.log;

import afterme.format.Hashes;
import afterme.format.RecordCodec;
import afterme.format.SparseIndex;
import afterme.format.TailRepair;
import afterme.format.Trailer;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;

/**
 * The single writer: the only thread that assigns seqs and touches the active segment.
 *
 * <p>Group commit in the Disruptor's manner: each turn drains every append waiting (without waiting
 * for more), encodes them into one buffer, writes it with one call, then fsyncs if anyone waits durable,
 * after yielding the CPU a few times to let in appends that are on their way (never blocking for them);
 * under load batches grow by themselves, when idle a record goes alone. Without durable
 * waiters an fsync happens when {@code flushBytes} are unsynced or {@code flushInterval} has passed; that
 * one nobody waits for, so it runs on the syncer thread ({@link BackgroundSync}) while the writer goes on
 * writing memory-acked appends. Every other fsync, seal or reopen waits for it first, so fsyncs never
 * overlap and durable_seq only moves forward.
 *
 * <p>All fields below "writer-owned" are touched by the writer thread only; the volatile ones are
 * published for readers.
 */
final class LogWriter implements Runnable {
    private static final Logger LOG = System.getLogger(LogWriter.class.getName());
    private static final int MAX_DRAIN = 8192;
    /**
     * How often the writer, finding no append, yields its CPU before it parks. While it yields, the HTTP
     * threads run and submit the next appends, which it then takes without being woken. A wake-up costs
     * the submitting thread a futex call and the writer a context switch, dearest on a virtual machine:
     * under load at 64 connections this cut context switches from 0.39-0.65 to 0.08 per memory-acked
     * append. Idle, the yields cost a few microseconds per turn.
     */
    private static final int YIELDS_BEFORE_PARKING = 10;
    /**
     * How often the writer yields its CPU before an fsync that durable acks wait for, to let in appends
     * that the HTTP threads are about to submit. Once per fsync: under load at 64 connections this took
     * fsyncs from 17 to 27 appends each and the daemon's CPU from 38 to 29 us per 1 KiB durable append,
     * because an fsync costs this virtual machine about 80 us of CPU. Not when this fsync and the last
     * cover one append each: a lone client's append would wait the yields out for nothing.
     */
    private static final int YIELDS_BEFORE_FSYNC = 5;
    /**
     * How far the writer may write ahead of a running background fsync before it waits for the disk.
     * Appends written meanwhile go into the next fsync, which starts as soon as this one returns; had the
     * writer waited at {@code flushBytes}, they would have stayed in its queue until then and missed it.
     * With 1 MiB durable appends from 8 connections, waiting at 8 MiB instead of 1 took the daemon 5.6%
     * further (http-ab).
     */
    static final long AHEAD_OF_DISK_BYTES = 8L << 20;
    private static final int BUFFER_BYTES = 4 << 20;
    private static final long RECOVERY_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Not an append: put in the queue only to wake the writer so that it sees {@link #stopping}. */
    private static final Append WAKE = Append.of(new byte[0], Ack.MEMORY);

    private record Staged(Append append, AppendResult result) {
    }

    private final LogConfig config;
    private final BlockingQueue<Append> queue;
    private final WriterStats stats;
    private final List<LogListener> listeners;
    private final AtomicBoolean running = new AtomicBoolean();
    private final byte[] zone;
    private final CRC32C crc = new CRC32C();
    private final MessageDigest md = Hashes.newSha256();
    private final ExecutorService syncer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "afterme-syncer");
        t.setDaemon(true);
        return t;
    });

    // writer-owned
    private UUID logId;
    private ActiveSegment active;
    private long lastSeq;
    private byte[] chain;
    private long lastNanos;
    private IdempotencyWindow keys;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final List<Append> batch = new ArrayList<>();
    private final List<Staged> staged = new ArrayList<>();
    private final Map<ByteBuffer, long[]> stagedKeys = new HashMap<>();
    private long stagedRecords;
    private long checkpointSeq;
    private byte[] checkpointChain;
    private long checkpointNanos;
    private final ArrayDeque<Staged> unsynced = new ArrayDeque<>();
    /** The fsync running on the syncer thread, and the appends it will make durable. */
    private BackgroundSync background;
    private final ArrayDeque<Staged> syncing = new ArrayDeque<>();
    private int durableWaiters;
    /** How many appends the last fsync made durable. */
    private int lastGroup;
    private long unsyncedBytes;
    private long flushDeadline;
    private long syncedSize;
    private long recoveryAt;
    /** Where recovery cuts the active segment: the last fsync (after a failed fsync) or the last whole record. */
    private long recoveryCutAt;
    private volatile boolean stopping;

    // published
    private volatile long writtenSeq;
    private volatile long durableSeq;
    private volatile byte[] chainHead;
    private volatile boolean failed;
    private volatile ActiveView activeView;

    /**
     * What readers see of the active segment as of the last write: its sparse index, and where its records
     * end (its file is longer by the fill written ahead of them). Published as one, so that a reader never
     * pairs one segment's file with another's index or end across a rotation.
     */
    private record ActiveView(Path file, SparseIndex index, long bytes) {
    }

    LogWriter(LogConfig config, LogState state, BlockingQueue<Append> queue, WriterStats stats,
              List<LogListener> listeners) {
        this.config = config;
        this.queue = queue;
        this.stats = stats;
        this.listeners = listeners;
        this.zone = config.zone().getId().getBytes(StandardCharsets.US_ASCII);
        adopt(state);
    }

    private void adopt(LogState s) {
        logId = s.logId();
        active = s.active();
        lastSeq = s.lastSeq();
        chain = s.chainHead().clone();
        lastNanos = s.lastEpochNanos();
        keys = s.keys();
        checkpoint();
        syncedSize = active.size();
        writtenSeq = lastSeq;
        durableSeq = lastSeq;
        chainHead = chain.clone();
        publish();
    }

    UUID logId() {
        return logId;
    }

    long writtenSeq() {
        return writtenSeq;
    }

    long durableSeq() {
        return durableSeq;
    }

    byte[] chainHead() {
        return chainHead;
    }

    boolean failed() {
        return failed;
    }

    /** The bytes of the active segment's records as of the last write; -1 for other files. */
    long activeBytes(Path segment) {
        ActiveView view = activeView;
        return view.file().equals(segment) ? view.bytes() : -1;
    }

    /** The sparse index of the active segment as of the last write, for readers; null for other files. */
    SparseIndex activeIndex(Path segment) {
        ActiveView view = activeView;
        return view.file().equals(segment) ? view.index() : null;
    }

    /** Asks the writer to finish what it accepted and exit; wakes it if it is waiting for appends. */
    void stop() {
        stopping = true;
        queue.offer(WAKE);
    }

    @Override
    public void run() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("the log writer is already running: there is exactly one writer");
        }
        try {
            loop();
            sync();
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "the log writer stopped on an unexpected error; appends are refused", t);
            failed = true;
            failAll(new AppendException(AppendException.Reason.UNAVAILABLE, "the log writer stopped: " + t, -1, t));
        } finally {
            IOException e = settleBackground();
            if (e != null) {
                failUnsynced(e);
            }
            closeActive();
            syncer.shutdown();
        }
    }

    private void loop() throws InterruptedException {
        while (true) {
            Append first = next();
            if (background != null && background.isDone()) {
                backgroundSettled();
            }
            if (first == null) {
                if (failed) {
                    recoverIfDue();
                } else if (hasUnsynced() && System.nanoTime() - flushDeadline >= 0) {
                    syncInBackground();
                }
                if (stopping && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            if (first == WAKE && stopping && queue.isEmpty()) {
                return;
            }
            write(first);
            if (writerSyncs()) {
                Append late = latecomer();
                if (late != null) {
                    write(late);
                }
            }
            if (writerSyncs()) {
                sync();
            } else if (durableWaiters > 0 || unsyncedBytes >= config.flushBytes()
                    || (hasUnsynced() && System.nanoTime() - flushDeadline >= 0)) {
                syncInBackground();
            }
        }
    }

    /** Takes {@code first} and whatever is queued behind it, writes them with one call, completes the memory acks. */
    private void write(Append first) {
        batch.add(first);
        queue.drainTo(batch, MAX_DRAIN);
        stats.batches.increment();
        int records = 0;
        for (Append a : batch) {
            accept(a);
            records += a.count();
        }
        stats.batchRecords.observe(records);
        batch.clear();
        flush();
    }

    /** Durable acks wait, and few enough bytes are unsynced for the writer to fsync them itself. */
    private boolean writerSyncs() {
        return durableWaiters > 0 && unsyncedBytes < config.flushBytes();
    }

    /**
     * An append that came while the writer, about to fsync, yielded its CPU a few times, so that it goes
     * into that fsync rather than wait for the next one; null if none came.
     */
    private Append latecomer() {
        if (stopping || unsynced.size() < 2 && lastGroup < 2) {
            // Neither this group nor the last had company: the client is writing alone.
            return null;
        }
        return pollYielding(YIELDS_BEFORE_FSYNC);
    }

    /** The next append, or null when none came before the next timed duty (a flush, a recovery attempt). */
    private Append next() throws InterruptedException {
        Append a = pollYielding(YIELDS_BEFORE_PARKING);
        return a != null ? a : queue.poll(waitNanos(), TimeUnit.NANOSECONDS);
    }

    /** An append from the queue, yielding the CPU up to {@code yields} times while there is none; never blocks. */
    private Append pollYielding(int yields) {
        Append a = queue.poll();
        for (int i = 0; a == null && i < yields; i++) {
            Thread.yield();
            a = queue.poll();
        }
        return a;
    }

    private long waitNanos() {
        if (failed) {
            return Math.max(1, recoveryAt - System.nanoTime());
        }
        if (hasUnsynced() && background == null) {
            return Math.max(0, flushDeadline - System.nanoTime());
        }
        return TimeUnit.MILLISECONDS.toNanos(100);
    }

    private boolean hasUnsynced() {
        return !unsynced.isEmpty() || unsyncedBytes > 0;
    }

    private void accept(Append a) {
        if (a == WAKE) {
            return;
        }
        if (failed) {
            a.fail(unavailable("the log is recovering from an I/O failure", null));
            return;
        }
        if (a.idempotencyKey.length > 0) {
            long[] seen = keys.find(a.idempotencyKey);
            if (seen == null) {
                seen = stagedKeys.get(ByteBuffer.wrap(a.idempotencyKey));
            }
            if (seen != null) {
                stats.duplicates.increment();
                staged.add(new Staged(a, new AppendResult(seen[0], seen[1], instant(seen[2]), true)));
                return;
            }
        }
        if (a.hasExpectation() && a.expectedLastSeq != lastSeq) {
            stats.conflicts.increment();
            a.fail(new AppendException(AppendException.Reason.CONFLICT,
                    "expected last seq " + a.expectedLastSeq + " but the log's last seq is " + lastSeq, lastSeq, null));
            return;
        }
        int total = 0;
        int[] lengths = new int[a.count()];
        for (int i = 0; i < a.count(); i++) {
            lengths[i] = RecordCodec.encodedLength(zone.length, a.contentType.length, a.idempotencyKey.length,
                    a.size(i));
            total += lengths[i];
        }
        // A batch never straddles two segments: it goes whole into the active one or whole into the next.
        boolean hasRecords = active.recordCount() > 0;
        if (hasRecords && active.size() + buffer.position() + total + Trailer.LENGTH > config.segmentSizeBytes()) {
            flush();
            try {
                rotate();
            } catch (IOException e) {
                a.fail(ioFailure("starting a new segment", e));
                return;
            }
            if (failed) {
                a.fail(unavailable("the log is recovering from an I/O failure", null));
                return;
            }
        }
        if (buffer.remaining() < total) {
            flush();
            if (buffer.capacity() < total) {
                buffer = ByteBuffer.allocateDirect(total);
            }
        }
        long nanos = Math.max(lastNanos, epochNanos(config.clock().instant()));
        Instant time = instant(nanos);
        long firstSeq = lastSeq + 1;
        for (int i = 0; i < a.count(); i++) {
            long offset = active.size() + buffer.position();
            RecordCodec.encode(buffer, ++lastSeq, time.getEpochSecond(), time.getNano(), zone, a.contentType,
                    a.idempotencyKey, a.sha256s[i], a.payloads().get(i), chain, md, crc);
            active.noteRecord(lastSeq, nanos, offset, lengths[i]);
        }
        lastNanos = nanos;
        stagedRecords += a.count();
        if (a.idempotencyKey.length > 0) {
            stagedKeys.put(ByteBuffer.wrap(a.idempotencyKey), new long[] {firstSeq, lastSeq, nanos});
        }
        staged.add(new Staged(a, new AppendResult(firstSeq, lastSeq, time, false)));
    }

    private boolean anyStagedDurable() {
        for (Staged s : staged) {
            if (s.append().durableAck) {
                return true;
            }
        }
        return false;
    }

    /** Writes what is staged and completes the memory acks; on failure rolls everything staged back. */
    private void flush() {
        if (staged.isEmpty() && buffer.position() == 0) {
            return;
        }
        buffer.flip();
        int bytes = buffer.remaining();
        try {
            if (bytes > 0) {
                active.append(buffer, anyStagedDurable());
            }
        } catch (IOException e) {
            stats.writeErrors.increment();
            active.forgetRecords(stagedRecords);
            lastSeq = checkpointSeq;
            chain = checkpointChain.clone();
            lastNanos = checkpointNanos;
            AppendException failure = ioFailure("writing to " + active.file, e);
            for (Staged s : staged) {
                s.append().fail(failure);
            }
            clearStaged();
            if (e instanceof ActiveSegment.CutBackFailed) {
                // Partial bytes may sit after the last whole record: stop and repair from the files.
                LOG.log(Level.ERROR, e.getMessage() + "; appends stop until the log is reopened", e);
                failed = true;
                recoveryCutAt = active.size();
                recoveryAt = System.nanoTime();
                recoverIfDue();
            }
            return;
        }
        writtenSeq = lastSeq;
        chainHead = chain.clone();
        publish();
        for (Staged s : staged) {
            Append a = s.append();
            a.releasePayloads();
            AppendResult r = s.result();
            if (!r.duplicate()) {
                stats.appends.increment();
                stats.records.add(a.count());
                stats.payloadBytes.add(a.totalBytes);
                if (a.idempotencyKey.length > 0) {
                    keys.add(a.idempotencyKey, r.firstSeq(), r.lastSeq(), epochNanos(r.time()));
                }
            }
            a.written.complete(r);
            if (r.lastSeq() <= durableSeq) {
                a.durable.complete(r);
            } else {
                unsynced.add(s);
                if (a.durableAck) {
                    durableWaiters++;
                }
            }
        }
        keys.expire(lastSeq);
        if (bytes > 0 && unsyncedBytes == 0) {
            flushDeadline = System.nanoTime() + config.flushInterval().toNanos();
        }
        unsyncedBytes += bytes;
        clearStaged();
        for (LogListener l : listeners) {
            l.written(writtenSeq);
        }
    }

    private void clearStaged() {
        staged.clear();
        stagedKeys.clear();
        stagedRecords = 0;
        buffer.clear();
        checkpoint();
    }

    private void checkpoint() {
        checkpointSeq = lastSeq;
        checkpointChain = chain.clone();
        checkpointNanos = lastNanos;
    }

    /** fsyncs on the writer thread, for appends that wait durable: they are acked as soon as it returns. */
    private void sync() {
        if (!backgroundSettled() || !hasUnsynced() || failed) {
            return;
        }
        long start = System.nanoTime();
        try {
            active.sync(active.size());
        } catch (IOException e) {
            fsyncFailed(e);
            return;
        }
        stats.fsync(System.nanoTime() - start);
        markAllDurable();
    }

    /**
     * Hands the flush that nobody waits on to the syncer thread, one at a time. While one runs, the next
     * waits for it to return (its wake-up brings the writer back here) and the writer goes on writing,
     * unless {@link #AHEAD_OF_DISK_BYTES} (or {@code flushBytes}, if more) are unsynced: then the disk is
     * behind and the writer waits for it, which bounds what a hung disk can leave unsynced.
     */
    private void syncInBackground() {
        if (background != null && unsyncedBytes < Math.max(config.flushBytes(), AHEAD_OF_DISK_BYTES)) {
            return;
        }
        if (!backgroundSettled() || !hasUnsynced() || failed) {
            return;
        }
        syncing.addAll(unsynced);
        unsynced.clear();
        unsyncedBytes = 0;
        durableWaiters = 0;
        background = new BackgroundSync(active, writtenSeq, syncer, () -> queue.offer(WAKE));
    }

    /**
     * Waits for the background fsync, if one runs, and takes its outcome: the appends it covered become
     * durable; if it failed, they count as unsynced again and its error is returned for the caller to
     * handle as a failed fsync.
     */
    private IOException settleBackground() {
        BackgroundSync b = background;
        if (b == null) {
            return null;
        }
        background = null;
        try {
            stats.fsync(b.await());
        } catch (IOException e) {
            while (!syncing.isEmpty()) {
                unsynced.addFirst(syncing.removeLast());
            }
            return e;
        }
        markDurable(b.size, b.seq, syncing);
        return null;
    }

    /** {@link #settleBackground}, its failure handled as any failed fsync; false when it failed. */
    private boolean backgroundSettled() {
        IOException failure = settleBackground();
        if (failure == null) {
            return true;
        }
        fsyncFailed(failure);
        return false;
    }

    /** After an fsync of everything written. */
    private void markAllDurable() {
        markDurable(active.size(), writtenSeq, unsynced);
        durableWaiters = 0;
        unsyncedBytes = 0;
    }

    /** Completes the durable acks of {@code covered}, which an fsync up to {@code seq} made durable. */
    private void markDurable(long segmentBytesSynced, long seq, Collection<Staged> covered) {
        syncedSize = segmentBytesSynced;
        durableSeq = seq;
        lastGroup = covered.size();
        for (Staged s : covered) {
            s.append().durable.complete(s.result());
        }
        covered.clear();
        for (LogListener l : listeners) {
            l.durable(durableSeq);
        }
    }

    /**
     * Seals the active segment and starts the next. The trailer is synced before the new file exists, so
     * a crash leaves either an unsealed last segment or a sealed one, never two open ones.
     */
    private void rotate() throws IOException {
        if (!backgroundSettled()) {
            return;
        }
        try {
            active.seal(lastSeq, chain);
        } catch (IOException e) {
            fsyncFailed(e);
            return;
        }
        markAllDurable();
        try {
            active.storeIndex();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not store the index of " + active.file + "; readers will rebuild it", e);
        }
        ActiveSegment next;
        try {
            next = ActiveSegment.create(config.storage(), config.dataDir(), logId, lastSeq + 1, chain,
                    config.fillLimit());
        } catch (IOException e) {
            active.unseal();
            throw e;
        }
        closeActive();
        active = next;
        publish();
        syncedSize = active.size();
        stats.rotations.increment();
    }

    /**
     * A failed fsync may have dropped dirty pages that a later fsync would report clean (fsyncgate,
     * USENIX ATC '20), so it is never retried. Every append waiting on it fails; appends stop; the bytes
     * after the last successful fsync are saved under recovered/ and cut; then the log is reopened from
     * what its files hold, as at start-up.
     */
    private void fsyncFailed(IOException e) {
        stats.fsyncErrors.increment();
        LOG.log(Level.ERROR, "fsync of " + active.file + " failed; appends stop until the log is reopened", e);
        failed = true;
        failUnsynced(e);
        recoveryCutAt = syncedSize;
        recoveryAt = System.nanoTime();
        recoverIfDue();
    }

    private void failUnsynced(IOException e) {
        AppendException failure = unavailable("fsync failed (" + e.getMessage() + "); the append is not durable", e);
        for (Staged s : unsynced) {
            s.append().durable.completeExceptionally(failure);
        }
        unsynced.clear();
        durableWaiters = 0;
        unsyncedBytes = 0;
    }

    private void recoverIfDue() {
        if (System.nanoTime() - recoveryAt < 0) {
            return;
        }
        // A write failed while a background fsync ran: the file is cut and reopened only once the syncer is
        // done with it, and if that fsync failed too, only what an earlier one synced is kept.
        IOException failure = settleBackground();
        if (failure != null) {
            stats.fsyncErrors.increment();
            LOG.log(Level.ERROR, "the background fsync of " + active.file + " failed too", failure);
            failUnsynced(failure);
            recoveryCutAt = Math.min(recoveryCutAt, syncedSize);
        }
        try {
            Path file = active.file;
            closeActive();
            if (Files.size(file) > recoveryCutAt) {
                Path backup = new TailRepair(config.dataDir().resolve(LogOpener.RECOVERED), config.clock(),
                        config.storage()).cut(file, recoveryCutAt);
                LOG.log(Level.WARNING, "saved the bytes of {0} after offset {1} in {2}", file, recoveryCutAt, backup);
            }
            adopt(new LogOpener(config).open());
            failed = false;
            LOG.log(Level.INFO, "the log is reopened at seq {0}; appends resume", lastSeq);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.ERROR, "reopening the log failed; retrying in 1s", e);
            recoveryAt = System.nanoTime() + RECOVERY_RETRY_NANOS;
        }
    }

    /** Publishes the active segment's view; its index is finished again only when it has new entries. */
    private void publish() {
        ActiveView last = activeView;
        SparseIndex index = last != null && last.file().equals(active.file)
                && last.index().entries() == active.index().entries()
                ? last.index() : active.index().finish(active.size());
        activeView = new ActiveView(active.file, index, active.size());
    }

    private void closeActive() {
        try {
            active.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "closing " + active.file + " failed", e);
        }
    }

    private void failAll(AppendException e) {
        for (Staged s : staged) {
            s.append().fail(e);
        }
        for (Staged s : unsynced) {
            s.append().durable.completeExceptionally(e);
        }
        for (Staged s : syncing) {
            s.append().durable.completeExceptionally(e);
        }
        for (Append a : batch) {
            a.fail(e);
        }
        staged.clear();
        unsynced.clear();
        syncing.clear();
        batch.clear();
    }

    private static AppendException ioFailure(String what, IOException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        boolean noSpace = message.contains("No space left") || message.contains("Disk quota exceeded");
        return new AppendException(noSpace ? AppendException.Reason.NO_SPACE : AppendException.Reason.UNAVAILABLE,
                what + " failed: " + message + "; nothing of this append is in the log", -1, e);
    }

    private static AppendException unavailable(String message, Throwable cause) {
        return new AppendException(AppendException.Reason.UNAVAILABLE, message, -1, cause);
    }

    private static long epochNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L));
    }
}
