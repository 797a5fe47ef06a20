package afterme.command;

/** The exit codes README.md lists, shared by every command. */
public final class ExitCodes {
    public static final int OK = 0;
    /** A data problem was found: corruption, a torn tail. */
    public static final int DATA_PROBLEM = 1;
    public static final int USAGE = 2;
    /** Cannot run: directory missing, lock held by another process, I/O error. */
    public static final int CANNOT_RUN = 3;

    private ExitCodes() {
    }
}
