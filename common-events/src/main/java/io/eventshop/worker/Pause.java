package io.eventshop.worker;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A pause a background worker (relay, subscriber) can be stopped out of: it sleeps in short steps and
 * returns as soon as {@code running} turns false, so closing a worker never waits out a back-off.
 */
public final class Pause {

    private static final long STEP_MILLIS = 100;

    private Pause() {
    }

    /** Sleeps {@code duration}, or less if {@code running} turns false first. */
    public static void whileRunning(Duration duration, BooleanSupplier running) throws InterruptedException {
        long until = System.nanoTime() + duration.toNanos();
        while (running.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(Math.min(STEP_MILLIS, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        }
    }
}
