package afterme.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RetryLogTest {
    private final List<String> lines = new ArrayList<>();
    private long now;
    private final RetryLog retries = new RetryLog(new System.Logger() {
        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(level + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + MessageFormat.format(format, params));
        }
    }, "webhook http://h/hook", () -> now);

    private static final Supplier<String> BACK = () -> "delivered again";

    @Test
    void aFailureThatRepeatsIsSaidOnceAMinuteAndItsEndOnce() {
        for (int i = 0; i < 1_200; i++) {
            retries.failed("refused", "retrying");
            now += 100_000_000L;
        }
        retries.succeeded(BACK);
        retries.succeeded(BACK);
        assertEquals(List.of(
                "WARNING webhook http://h/hook failed (1 attempt(s) in a row): refused; retrying",
                "WARNING webhook http://h/hook failed (601 attempt(s) in a row): refused; retrying",
                "INFO webhook http://h/hook delivered again after 1200 failed attempt(s)"), lines);
    }

    @Test
    void aNewReasonIsSaidAtOnceAndSuccessAloneSaysNothing() {
        retries.succeeded(BACK);
        retries.failed("refused", "retrying");
        retries.failed("refused", "retrying");
        retries.failed("timed out", "retrying");
        retries.succeeded(BACK);
        retries.failed("refused", "retrying");
        assertEquals(List.of(
                "WARNING webhook http://h/hook failed (1 attempt(s) in a row): refused; retrying",
                "WARNING webhook http://h/hook failed (3 attempt(s) in a row): timed out; retrying",
                "INFO webhook http://h/hook delivered again after 3 failed attempt(s)",
                "WARNING webhook http://h/hook failed (1 attempt(s) in a row): refused; retrying"), lines);
    }

    /** A broker that refuses every record, set aside: a line a minute, not a line a record. */
    @Test
    void aRepeatedEventIsSaidOnceAMinuteWithHowManyWentUnsaid() {
        for (int seq = 1; seq <= 1_300; seq++) {
            retries.repeated("refused seq " + seq);
            now += 100_000_000L;
        }
        assertEquals(List.of(
                "WARNING webhook http://h/hook: refused seq 1",
                "WARNING webhook http://h/hook: refused seq 601 (599 more like it since the last such line)",
                "WARNING webhook http://h/hook: refused seq 1201 (599 more like it since the last such line)"), lines);
    }
}
