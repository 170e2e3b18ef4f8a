package io.eventshop.subscriber.replay;

import java.util.concurrent.TimeUnit;

/**
 * The most events a second one subscriber's replay applies here, its partitions together
 * ({@code eventshop.subscriber.replay-max-rate}; 0: no bound). Unbounded, a replay takes what the cores and
 * Postgres give it, and on a machine it shares with the shop that is the shop's latency: on 2 cores a stand-up
 * of a new view raised orders' placed → confirmed p99 from 50 ms to 3–7.6 s (docs/benchmarks.md). A bound
 * trades a longer replay for a gentler one.
 *
 * <p>Each page takes its turn before it is applied and books the time its events are worth at the bound: the
 * first page goes at once, the rate holds over any stretch of pages, and an idle spell (a retry's back-off)
 * builds no credit for a burst afterwards. Replicas each keep their own bound.
 */
final class ReplayPace {

    private final double eventsPerSecond;
    private long next = System.nanoTime();

    /** @param eventsPerSecond the bound; 0 for none */
    ReplayPace(int eventsPerSecond) {
        if (eventsPerSecond < 0) {
            throw new IllegalArgumentException("a replay's bound is 0 (none) or a number of events a second, was " + eventsPerSecond);
        }
        this.eventsPerSecond = eventsPerSecond;
    }

    boolean bounded() {
        return eventsPerSecond > 0;
    }

    /** For the replay's log: its bound, if any. */
    String describe() {
        return bounded() ? String.format(", at most %,.0f events/s", eventsPerSecond) : "";
    }

    /** Waits for the turn of a page of {@code events}; returns early, with the thread's interrupt flag set, when interrupted. */
    void turn(int events) {
        if (!bounded()) {
            return;
        }
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            long turn = next - now > 0 ? next : now; // nanoTime's values compare by difference only
            next = turn + (long) (events * 1e9 / eventsPerSecond);
            wait = turn - now;
        }
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // stopping: the caller's loop sees its worker stopped
            }
        }
    }
}
