package afterme.daemon.log;

/** When an append is acknowledged (README.md, "What memory and durable survive"). */
public enum Ack {
    /** Once the writer has written the record to its segment file (survives a process crash, not power loss). */
    MEMORY,
    /** Once the record is fsynced (survives power loss). */
    DURABLE
}
