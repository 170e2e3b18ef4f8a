package io.eventshop.worker;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The loop every background worker of eventshop runs on (relays, subscribers, the view supervisor):
 * one virtual thread, woken early by {@link #wake()}, stopped by {@link #stop(Duration)} out of any
 * wait or back-off at once. Blocking calls are allowed in the loop (it is not an event loop).
 *
 * <pre>{@code
 * worker.start(w -> {
 *     while (w.running()) {
 *         doOneRound();
 *         w.awaitWake(interval);   // a wake() or stop() ends the wait early
 *     }
 * });
 * }</pre>
 */
public final class Worker {

    private static final long STEP_MILLIS = 100;

    private final String name;
    private final Semaphore wakeUp = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    public Worker(String name) {
        this.name = name;
    }

    /** Runs {@code loop} on a virtual thread of its own; a second call does nothing. */
    public synchronized void start(Consumer<Worker> loop) {
        if (thread == null) {
            running = true;
            thread = Thread.ofVirtual().name(name).start(() -> loop.accept(this));
        }
    }

    /** False once {@link #stop} was called (or the thread was interrupted): the loop should return. */
    public boolean running() {
        return running;
    }

    /** Ends the current {@link #awaitWake} early. Never blocks; wakes coalesce. */
    public void wake() {
        if (wakeUp.availablePermits() == 0) {
            wakeUp.release();
        }
    }

    /** Forgets earlier wakes: a wake after this call ends the next {@link #awaitWake} at once. */
    public void drainWakes() {
        wakeUp.drainPermits();
    }

    /** Waits up to {@code timeout} for a {@link #wake()} (or a stop). */
    public void awaitWake(Duration timeout) {
        try {
            wakeUp.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted();
        }
    }

    /** A back-off: sleeps {@code duration}, not shortened by a wake, only by a stop. */
    public void pause(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        try {
            while (running && System.nanoTime() < until) {
                Thread.sleep(Math.min(STEP_MILLIS, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            interrupted();
        }
    }

    /** Asks the loop to end and waits up to {@code grace} for it; returns whether it ended. */
    public boolean stop(Duration grace) {
        Thread current;
        synchronized (this) {
            running = false;
            current = thread;
        }
        wake();
        if (current == null || current == Thread.currentThread()) {
            return true;
        }
        try {
            return current.join(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs {@code round} now and then every {@code interval} (or at a {@link #wake()}) until stopped; a round that
     * fails is handed to {@code failed} and the next one comes at the next interval.
     */
    public void startEvery(Duration interval, Runnable round, Consumer<RuntimeException> failed) {
        start(worker -> {
            while (running()) {
                try {
                    round.run();
                } catch (RuntimeException e) {
                    failed.accept(e);
                }
                awaitWake(interval);
            }
        });
    }

    /** Marks the worker stopped without waiting: for a loop that decides to end itself. */
    public void stopSelf() {
        running = false;
    }

    private void interrupted() {
        Thread.currentThread().interrupt();
        running = false;
    }
}
