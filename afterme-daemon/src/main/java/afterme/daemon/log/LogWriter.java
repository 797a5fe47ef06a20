package afterme.daemon.log;

import afterme.command.RetryLog;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * The single writer: the only thread that assigns seqs and touches the active segment.
 *
 * <p>Group commit in the Disruptor's manner: each turn drains every append waiting, stages them for writing
 * ({@link StagedWrite}), writes them with one call per {@link #BUFFER_BYTES} at most (more for large
 * payloads written from where they lie), then fsyncs if anyone waits durable, after yielding the CPU a few
 * times to let in appends that are on their way (never blocking for them); under load batches grow by
 * themselves, when idle a record goes alone. A write that only memory acks wait for is preceded by a few
 * yields too, which under load spare the writer most of its parkings and the wake-ups they need. What it
 * owns is split by kind: the head of the log ({@link LogHead}), whether an append may be written ({@link
 * Admission}), what is written and not yet synced ({@link SyncPipeline}), and the one failure state ({@link
 * WriterFailure}).
 *
 * <p>Every field is touched by the writer thread only; the volatile ones are published for readers.
 */
final class LogWriter implements Runnable {
    private static final Logger LOG = System.getLogger(LogWriter.class.getName());
    private static final int MAX_DRAIN = 8192;
    /** Why an append is refused while the writer is failed, recovering or stopped. */
    static final String RECOVERING = "the log is recovering from an I/O failure";
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
     * How often the writer yields its CPU before a write that only memory acks wait for. Under load its
     * turn, a few yields longer, more often ends with the next append already queued, where without them it
     * finds the queue empty, parks and is woken by the HTTP thread that submits the next: at 64 connections
     * of 1 KiB memory-acked appends, the yields took context switches from 0.40-0.45 to 0.28-0.30 per append
     * (the writer's own parkings from 0.10-0.14 to 0.02-0.04), though its writes carry no more appends (1.7
     * against 2.0).
     * Memory-acked appends of 1 KiB went 5% and 10% further in two runs and 4 KiB 3% and 6%, while 100 B,
     * 64 KiB and a lone client stayed level (http-ab), and 6 yields gained nothing more. Not before a
     * durable write, which yields before its fsync instead: there it cost 1 KiB durable appends 6%.
     */
    private static final int YIELDS_BEFORE_WRITE = 3;
    /**
     * What one write of encoded records holds at most, unless a single append is larger: then it goes
     * alone, from its pieces or in a buffer grown to fit it ({@link StagedWrite}); a write that carries
     * large payloads from their pieces holds more ({@link StagedWrite#IN_PLACE_WRITE_BYTES}). The kernel
     * copies a write into the page cache straight after the writer has encoded it into this buffer, and
     * while the buffer fits in a core's L2 cache (1 MiB on the machine of BENCHMARKS.md) that copy reads it
     * from there. At 4 MiB, batches of large appends spread over more than L2 holds: with 1 MiB
     * memory-acked appends from 64 connections the kernel's copy was 19-24% of the daemon's CPU samples
     * (about 1.6 GB/s), and 4% with this buffer. In alternating runs (http-ab) 1 MiB appends went 6-24%
     * further memory-acked (three runs) and 16% durable, 256 KiB memory-acked ones 10-12% (two), while 1
     * KiB durable, 16 KiB durable, 64 KiB memory-acked and 256 KiB durable from 8 connections stayed level;
     * 512 KiB gained nothing more.
     */
    static final int BUFFER_BYTES = 1 << 20;

    /** Not an append: put in the queue only to wake the writer so that it sees {@link #stopping}. */
    private static final Append WAKE = Append.of(new byte[0], Ack.MEMORY);

    private final LogConfig config;
    private final BlockingQueue<Append> queue;
    private final WriterStats stats;
    private final List<LogListener> listeners;
    private final AtomicBoolean running = new AtomicBoolean();
    private final byte[] zone;
    private final CRC32C crc = new CRC32C();
    private final MessageDigest md = Hashes.newSha256();
    private final Admission admission;
    private final SyncPipeline sync;
    private final WriterFailure failure;
    /** Says a failing write (a full disk) once a minute rather than once per refused append. */
    private final RetryLog writeFailures;
    /** Says why reopening after a failure keeps failing: once, then at most once a minute, not every second. */
    private final RetryLog reopenFailures;
    /** Made once: every write tells {@link #writeFailures} it worked. */
    private final Supplier<String> writesWorkAgain;

    private UUID logId;
    private ActiveSegment active;
    /** The head as written to the file: what a failed write rolls back to. */
    private LogHead written;
    /** The head with the batch being staged. */
    private LogHead head;
    private final StagedWrite staging = new StagedWrite(BUFFER_BYTES);
    /** Writes the large payloads; null where the data directory's file system has no block size for it. */
    private final UncachedWriter uncached;
    /** While any follows the head, large payloads too are written through the page cache. */
    private final HeadFollowers followers;
    private final List<Append> batch = new ArrayList<>();
    private final List<Staged> staged = new ArrayList<>();
    private long stagedRecords;
    private volatile boolean stopping;

    // published
    private volatile LogHead publishedHead;
    private volatile ActiveView activeView;

    /**
     * What readers see of the active segment as of the last write: its sparse index, and where its records
     * end (its file is longer by the fill written ahead of them). Published as one, so that a reader never
     * pairs one segment's file with another's index or end across a rotation.
     */
    private record ActiveView(Path file, SparseIndex index, long bytes) {
    }

    LogWriter(LogConfig config, LogState state, BlockingQueue<Append> queue, WriterStats stats,
              List<LogListener> listeners, HeadFollowers followers) {
        this.config = config;
        this.queue = queue;
        this.stats = stats;
        this.listeners = listeners;
        this.zone = config.zone().getId().getBytes(StandardCharsets.US_ASCII);
        this.admission = new Admission(state.keys());
        this.sync = new SyncPipeline(config, stats, listeners);
        this.failure = new WriterFailure(config.ticker());
        this.writeFailures = new RetryLog(LOG, "writing to the log", config.ticker()::nanos);
        this.reopenFailures = new RetryLog(LOG, "reopening the log", config.ticker()::nanos);
        this.writesWorkAgain = () -> "works again, at seq " + written.seq() + ",";
        this.uncached = UncachedWriter.forDirectory(config.dataDir());
        this.followers = followers;
        adopt(state);
    }

    private void adopt(LogState s) {
        logId = s.logId();
        active = s.active();
        head = new LogHead(s.lastSeq(), s.chainHead().clone(), s.lastEpochNanos());
        written = head;
        admission.adopt(s.keys());
        sync.adopt(active.size(), head.seq());
        publish();
    }

    UUID logId() {
        return logId;
    }

    long writtenSeq() {
        return publishedHead.seq();
    }

    long durableSeq() {
        return sync.durableSeq();
    }

    byte[] chainHead() {
        return publishedHead.chain();
    }

    boolean failed() {
        return failure.active();
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
            syncOnWriter();
        } catch (Throwable t) {
            LOG.log(Level.ERROR, "the log writer stopped on an unexpected error; appends are refused", t);
            failure.enter(active.size());
            AppendException stopped = new AppendException(AppendException.Reason.UNAVAILABLE,
                    "the log writer stopped: " + t, -1, t);
            failAll(stopped);
            for (Append a = queue.poll(); a != null; a = queue.poll()) {
                a.fail(stopped);
            }
        } finally {
            IOException e = sync.settle();
            if (e != null) {
                sync.failUnsynced(e);
            }
            closeActive();
            sync.shutdown();
        }
    }

    private void loop() throws InterruptedException {
        while (true) {
            Append first = next();
            if (sync.backgroundDone()) {
                sync.settled(this::fsyncFailed);
            }
            if (first == null) {
                if (failure.due()) {
                    recover();
                } else if (!failure.active() && sync.flushDue()) {
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
            if (sync.writerSyncs()) {
                Append late = latecomer();
                if (late != null) {
                    write(late);
                }
            }
            if (sync.writerSyncs()) {
                syncOnWriter();
            } else if (sync.backgroundDue()) {
                syncInBackground();
            }
        }
    }

    /**
     * Takes {@code first} and whatever is queued behind it, writes them in as few calls as {@link StagedWrite}
     * allows, completes the memory acks.
     */
    private void write(Append first) {
        batch.add(first);
        if (!first.durableAck) {
            for (int i = 0; i < YIELDS_BEFORE_WRITE; i++) {
                Thread.yield();
            }
        }
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

    /**
     * An append that came while the writer, about to fsync, yielded its CPU a few times, so that it goes
     * into that fsync rather than wait for the next one; null if none came.
     */
    private Append latecomer() {
        if (stopping || sync.writingAlone()) {
            return null;
        }
        return pollYielding(YIELDS_BEFORE_FSYNC);
    }

    /** The next append, or null when none came before the next timed duty (a flush, a recovery attempt). */
    private Append next() throws InterruptedException {
        Append a = pollYielding(YIELDS_BEFORE_PARKING);
        long wait = failure.active() ? failure.nanosToAttempt() : sync.nanosToFlush();
        return a != null ? a : queue.poll(wait, TimeUnit.NANOSECONDS);
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

    private void accept(Append a) {
        if (a == WAKE) {
            return;
        }
        if (failure.active()) {
            a.fail(unavailable(RECOVERING, null));
            return;
        }
        AppendResult duplicate = admission.duplicateOf(a);
        if (duplicate != null) {
            stats.duplicates.increment();
            staged.add(new Staged(a, duplicate));
            return;
        }
        AppendException conflict = admission.conflict(a, head.seq());
        if (conflict != null) {
            stats.conflicts.increment();
            a.fail(conflict);
            return;
        }
        int[] lengths = encodedLengths(a);
        int total = sum(lengths);
        // A batch never straddles two segments: it goes whole into the active one or whole into the next.
        boolean hasRecords = active.recordCount() > 0;
        if (hasRecords && active.size() + staging.bytes() + total + Trailer.LENGTH > config.segmentSizeBytes()) {
            flush();
            try {
                rotate();
            } catch (IOException e) {
                a.fail(failure.active() ? unavailable(RECOVERING, e)
                        : ioFailure("starting a new segment", e));
                return;
            }
            // The new segment may be of a later format version than the one sealed (its records longer).
            lengths = encodedLengths(a);
            total = sum(lengths);
        }
        int inPlace = inPlaceBytes(a);
        if (!staging.isEmpty() && !staging.fits(total - inPlace, inPlace)) {
            flush();
        }
        ByteBuffer buffer;
        try {
            buffer = staging.buffer(total - inPlace);
        } catch (OutOfMemoryError e) {
            // Only an append larger than any write grows the buffer: that append fails, not the writer.
            a.fail(unavailable("no direct memory is left to stage an append of " + total + " bytes (" + e.getMessage()
                    + "); send it in smaller batches, or raise the JVM's -XX:MaxDirectMemorySize", e));
            return;
        }
        long nanos = head.nextTime(config.clock().instant());
        Instant time = LogHead.instant(nanos);
        long seq = head.seq();
        byte[] chain = head.chainToAdvance();
        // What the records say an fsync covered is what had returned before they were written: a reader
        // that finds damage before a record whose mark covers it knows the damage hit synced bytes.
        long syncMark = sync.durableSeq();
        for (int i = 0; i < a.count(); i++) {
            long offset = active.size() + staging.bytes();
            ByteBuffer[] payload = a.payloads().get(i);
            // Every record but a batch's last says that more follow: a batch a crash cut short is cut whole.
            byte type = active.header.recordType(i < a.count() - 1);
            if (StagedWrite.writesInPlace(payload, a.size(i))) {
                RecordCodec.encodeHead(buffer, type, ++seq, time.getEpochSecond(), time.getNano(), zone, a.contentType,
                        a.idempotencyKey, a.sha256s[i], payload, chain, syncMark, md, crc);
                staging.addInPlace(payload);
            } else {
                RecordCodec.encode(buffer, type, ++seq, time.getEpochSecond(), time.getNano(), zone, a.contentType,
                        a.idempotencyKey, a.sha256s[i], payload, chain, syncMark, md, crc);
            }
            active.noteRecord(seq, nanos, offset, lengths[i], type == RecordCodec.TYPE_BATCH_GOES_ON);
        }
        AppendResult result = new AppendResult(head.seq() + 1, seq, time, false);
        head = new LogHead(seq, chain, nanos);
        stagedRecords += a.count();
        admission.staged(a, result);
        staged.add(new Staged(a, result));
    }

    /** The encoded length of each of the append's records, in the active segment's record type. */
    private int[] encodedLengths(Append a) {
        int[] lengths = new int[a.count()];
        for (int i = 0; i < a.count(); i++) {
            lengths[i] = RecordCodec.encodedLength(active.header.recordType(false), zone.length, a.contentType.length,
                    a.idempotencyKey.length, a.size(i));
        }
        return lengths;
    }

    /** The bytes of the append's payloads that are written from where they lie ({@link StagedWrite}). */
    private static int inPlaceBytes(Append a) {
        int bytes = 0;
        for (int i = 0; i < a.count(); i++) {
            if (StagedWrite.writesInPlace(a.payloads().get(i), a.size(i))) {
                bytes += a.size(i);
            }
        }
        return bytes;
    }

    private static int sum(int[] lengths) {
        int total = 0;
        for (int n : lengths) {
            total += n;
        }
        return total;
    }

    /** Below what size the staged write keeps a fill ahead ({@link ActiveSegment#append}). */
    private int fillBelow() {
        for (Staged s : staged) {
            if (s.append().durableAck) {
                return staged.size() == 1 && sync.writingAlone() ? ActiveSegment.SMALL_WRITE_ALONE
                        : ActiveSegment.SMALL_WRITE_SHARED;
            }
        }
        return 0;
    }

    /** Writes what is staged and completes the memory acks; on failure rolls everything staged back. */
    private void flush() {
        if (staged.isEmpty() && staging.isEmpty()) {
            return;
        }
        long bytes = staging.bytes();
        try {
            if (bytes > 0) {
                long start = config.ticker().nanos();
                active.append(staging.parts(), fillBelow(),
                        staging.holdsInPlace() && followers.count() == 0 ? uncached : null);
                stats.write(config.ticker().nanos() - start);
            }
        } catch (IOException e) {
            stats.writeErrors.increment();
            active.forgetRecords(stagedRecords);
            head = written;
            boolean cutBackFailed = e instanceof ActiveSegment.CutBackFailed;
            if (cutBackFailed) {
                // Partial bytes may sit after the last whole record: stop and repair from the files. Entered
                // before the appends fail, so that a client told of its failure finds the log not writable.
                failure.enter(active.size());
            }
            AppendException failed = ioFailure("writing to " + active.file, e);
            for (Staged s : staged) {
                s.append().fail(failed);
            }
            batchDone();
            if (cutBackFailed) {
                LOG.log(Level.ERROR, e.getMessage() + "; appends stop until the log is reopened", e);
                recover();
            } else {
                String reason = active.file + ": " + (e.getMessage() == null ? e : e.getMessage());
                writeFailures.failed(reason, e instanceof ActiveSegment.DiskFull ? "its appends were refused (507); appends resume once " + config.dataDir() + " has room"
                        : "its appends were refused (503); later appends are tried");
            }
            return;
        }
        written = head;
        writeFailures.succeeded(writesWorkAgain);
        publish();
        for (Staged s : staged) {
            Append a = s.append();
            a.releasePayloads();
            AppendResult r = s.result();
            if (!r.duplicate()) {
                stats.appends.increment();
                stats.records.add(a.count());
                stats.payloadBytes.add(a.totalBytes);
            }
            admission.written(a, r);
            a.written.complete(r);
            sync.written(s);
        }
        sync.wrote(bytes);
        batchDone();
        for (LogListener l : listeners) {
            l.written(written.seq());
        }
    }

    private void batchDone() {
        staged.clear();
        stagedRecords = 0;
        staging.clear();
        admission.batchDone(head.seq());
    }

    /** fsyncs on the writer thread, for appends that wait durable: they are acked as soon as it returns. */
    private void syncOnWriter() {
        if (failure.active() || !sync.settled(this::fsyncFailed) || !sync.hasUnsynced()) {
            return;
        }
        try {
            sync.syncOnWriter(active, written.seq());
        } catch (IOException e) {
            fsyncFailed(e);
        }
    }

    private void syncInBackground() {
        if (!failure.active()) {
            sync.syncInBackground(active, written.seq(), () -> queue.offer(WAKE), this::fsyncFailed);
        }
    }

    /**
     * Seals the active segment and starts the next. The trailer is synced before the new file exists, so
     * a crash leaves either an unsealed last segment or a sealed one, never two open ones.
     *
     * @throws IOException when the segment could not be sealed (the writer is then failed) or the next
     *                     one not created (the active segment is unsealed and stays active)
     */
    private void rotate() throws IOException {
        IOException settling = sync.settle();
        if (settling != null) {
            fsyncFailed(settling);
            throw settling;
        }
        try {
            active.seal(written.seq(), written.chain());
        } catch (IOException e) {
            fsyncFailed(e);
            throw e;
        }
        sync.markAllDurable(active, written.seq());
        active.storeIndex();
        ActiveSegment next;
        try {
            next = ActiveSegment.create(config.storage(), config.dataDir(), logId, written.seq() + 1, written.chain(),
                    config.fillLimit());
        } catch (IOException e) {
            active.unseal();
            throw e;
        }
        LOG.log(Level.INFO, "sealed {0} ({1} records to seq {2}, {3} bytes); appending to {4}",
                active.file.getFileName(), Long.toString(active.recordCount()), Long.toString(written.seq()),
                Long.toString(active.size() + Trailer.LENGTH),
                next.file.getFileName());
        closeActive();
        active = next;
        publish();
        sync.segmentStarted(active.size());
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
        if (e instanceof ActiveSegment.Gone) {
            LOG.log(Level.ERROR, e.getMessage());
        } else {
            LOG.log(Level.ERROR, "fsync of " + active.file + " failed; appends stop until the log is reopened", e);
        }
        // Entered before the appends waiting on the fsync fail, so that a client told of its failure finds the
        // log not writable (/healthz 503), never the state before.
        failure.enter(sync.syncedSize());
        sync.failUnsynced(e);
        recover();
    }

    /** Leaves the failure state: the active segment cut where it failed, the log reopened from its files. */
    private void recover() {
        if (!failure.due()) {
            return;
        }
        // A write failed while a background fsync ran: the file is cut and reopened only once the syncer is
        // done with it, and if that fsync failed too, only what an earlier one synced is kept.
        IOException background = sync.settle();
        if (background != null) {
            stats.fsyncErrors.increment();
            LOG.log(Level.ERROR, "the background fsync of " + active.file + " failed too", background);
            sync.failUnsynced(background);
            failure.cutNoLaterThan(sync.syncedSize());
        }
        try {
            Path file = active.file;
            closeActive();
            if (Files.size(file) > failure.cutAt()) {
                Path backup = new TailRepair(config.dataDir().resolve(LogOpener.RECOVERED), config.clock(),
                        config.storage()).cut(file, failure.cutAt());
                LOG.log(Level.WARNING, "saved the bytes of {0} after offset {1} in {2}", file, failure.cutAt(), backup);
            }
            adopt(new LogOpener(config).open());
            failure.recovered();
            reopenFailures.succeeded(() -> "worked");
            LOG.log(Level.INFO, "the log is reopened at seq {0}; appends resume", head.seq());
        } catch (IOException | RuntimeException e) {
            reopenFailures.failed(String.valueOf(e), "appends stay refused; retrying every second");
            failure.retryLater();
        }
    }

    /** Publishes the head and the active segment's view; its index is finished again only when it has new entries. */
    private void publish() {
        publishedHead = written;
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
        for (Append a : batch) {
            a.fail(e);
        }
        sync.failAll(e);
        staged.clear();
        batch.clear();
    }

    /** A full disk is told by the exception's type ({@link ActiveSegment.DiskFull}), never by its message. */
    private static AppendException ioFailure(String what, IOException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        return new AppendException(e instanceof ActiveSegment.DiskFull ? AppendException.Reason.NO_SPACE
                : AppendException.Reason.UNAVAILABLE, what + " failed: " + message + "; nothing of this append is in"
                + " the log", -1, e);
    }

    private static AppendException unavailable(String message, Throwable cause) {
        return new AppendException(AppendException.Reason.UNAVAILABLE, message, -1, cause);
    }
}
