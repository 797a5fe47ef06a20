package afterme.command;

import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into an orderly stop. A plain shutdown hook would make the JVM exit with
 * 143/130; README.md promises exit 0 after a clean drain, so the signals are caught instead.
 */
public final class StopSignals {
    private StopSignals() {
    }

    public static void install(Runnable onStop) {
        Signal.handle(new Signal("TERM"), s -> onStop.run());
        Signal.handle(new Signal("INT"), s -> onStop.run());
    }
}
