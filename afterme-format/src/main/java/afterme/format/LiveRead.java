package afterme.format;

/**
 * The one policy for reading the segment the writer is writing (FORMAT.md, "Reading while the daemon
 * writes"): a problem there may be a read racing a write (records are written into the fill, where a
 * read can even see a later page of a write before an earlier one), so it is looked at again, after a
 * pause that grows, before it is reported. The cursor looks again at one frame, verify at the segment.
 */
final class LiveRead {
    /** Looks after the first before a problem is reported: about 26 ms in all, far longer than a write. */
    static final int LOOKS = 5;

    private LiveRead() {
    }

    /** Whether a problem seen {@code looks} times is worth another look. */
    static boolean lookAgain(int looks) {
        return looks < LOOKS;
    }

    /** Waits before look number {@code look}: the first ones only yield (a write takes microseconds). */
    static void pause(int look) {
        if (look < 2) {
            Thread.yield();
            return;
        }
        try {
            Thread.sleep(look == 2 ? 1 : look == 3 ? 5 : 20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
