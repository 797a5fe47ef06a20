package afterme.tail;

import afterme.format.LogRecord;
import java.io.IOException;

/** How tail writes what it reads: whole records (json, short), or payloads straight from the read buffer. */
interface RecordWriter {
    /** True when it needs whole records; else the cursor hands it payloads without decoding records. */
    boolean wantsRecords();

    void record(LogRecord r) throws IOException;

    /** A payload where it lies in the cursor's buffer, valid during the call only. */
    void payload(byte[] bytes, int offset, int length) throws IOException;

    void flush() throws IOException;
}
