package afterme.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InflightBudgetTest {
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("budget-test", true);
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        scheduler.start();
    }

    @AfterEach
    void stop() throws Exception {
        scheduler.stop();
    }

    private InflightBudget budget(int kib, long waitMillis) {
        return new InflightBudget(kib, Runnable::run, scheduler, waitMillis);
    }

    private void acquire(InflightBudget b, int kib, String name) {
        b.acquire(kib, () -> events.add(name + " in"), () -> events.add(name + " expired"));
    }

    @Test
    void aRequestThatFitsGoesAheadOnTheCallersThread() {
        InflightBudget b = budget(4, 10_000);
        Thread caller = Thread.currentThread();
        b.acquire(4, () -> events.add(Thread.currentThread() == caller ? "inline" : "elsewhere"), () -> { });
        assertEquals(List.of("inline"), events);
    }

    @Test
    void waitersGoAheadInTheOrderTheyCameWhenRoomIsFreed() {
        InflightBudget b = budget(4, 10_000);
        acquire(b, 3, "a");
        acquire(b, 3, "b");
        // c would fit now, but waits behind b so that large requests are not starved by small ones
        acquire(b, 1, "c");
        assertEquals(List.of("a in"), events);
        b.release(3);
        assertEquals(List.of("a in", "b in", "c in"), events);
        acquire(b, 1, "d");
        assertEquals(List.of("a in", "b in", "c in"), events, "the budget is spent");
        b.release(1);
        assertEquals("d in", events.get(3));
    }

    @Test
    void aWaiterGivesUpWhenNoRoomIsMadeInTime() throws Exception {
        InflightBudget b = budget(1, 100);
        CountDownLatch expired = new CountDownLatch(1);
        acquire(b, 1, "a");
        b.acquire(1, () -> events.add("b in"), () -> {
            events.add("b expired");
            expired.countDown();
        });
        assertTrue(expired.await(5, TimeUnit.SECONDS));
        b.release(1);
        acquire(b, 1, "c");
        assertEquals(List.of("a in", "b expired", "c in"), events, "an expired waiter takes no room");
    }

    @Test
    void anAdmittedWaiterNeverExpires() throws Exception {
        InflightBudget b = budget(1, 100);
        acquire(b, 1, "a");
        acquire(b, 1, "b");
        b.release(1);
        Thread.sleep(300);
        assertEquals(List.of("a in", "b in"), events);
    }

    @Test
    void noRequestAsksForMoreThanTheWholeBudget() {
        InflightBudget b = budget(64, 10_000);
        assertEquals(1, b.kibFor(0));
        assertEquals(2, b.kibFor(1024));
        assertEquals(64, b.kibFor(1L << 40));
    }
}
