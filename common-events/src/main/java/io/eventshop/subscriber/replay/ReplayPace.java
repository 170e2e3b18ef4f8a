package io.eventshop.subscriber.replay;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The most events a second one subscriber's replay reads and applies here, its partitions together
 * ({@code eventshop.subscriber.replay-max-rate}; 0: no bound). Unbounded, a replay takes what the cores and
 * Postgres give it, and on a machine it shares with the shop that is the shop's latency (docs/benchmarks.md).
 * A bound trades a longer replay for a gentler one.
 *
 * <p>Each page takes its turn before its transaction begins (never inside one: a wait there would hold locks
 * and the store's horizon) and books the time its events are worth at the bound: the first page goes at once,
 * the rate holds over any stretch of pages, and an idle spell (a retry's back-off) builds no credit for a burst
 * afterwards. A page is applied at full speed: the bound holds on average over pages, not within one. The
 * partitions are bounded up to their bound, the replay in store order after them up to the head it found when
 * it began; what was appended after that is applied unbounded, so that a replay bounded below the rate its
 * category grows still ends (DECISIONS 65).
 */
final class ReplayPace {

    private static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final double eventsPerSecond;
    private long next = System.nanoTime();

    /** @param eventsPerSecond the bound; 0 for none */
    ReplayPace(int eventsPerSecond) {
        this.eventsPerSecond = eventsPerSecond;
    }

    boolean bounded() {
        return eventsPerSecond > 0;
    }

    /** For the replay's log: its bound, if any. */
    String describe() {
        return bounded() ? String.format(", at most %,.0f events/s", eventsPerSecond) : "";
    }

    /**
     * Waits for the turn of a page of {@code events}, looking every 100 ms whether to go on.
     *
     * @return whether to go on: false when {@code goOn} turned false (stopping) or the thread was interrupted
     */
    boolean turn(int events, BooleanSupplier goOn) {
        if (!bounded()) {
            return true;
        }
        long turn;
        synchronized (this) {
            long now = System.nanoTime();
            turn = next - now > 0 ? next : now; // nanoTime's values compare by difference only
            next = turn + (long) (events * 1e9 / eventsPerSecond);
        }
        try {
            for (long wait = turn - System.nanoTime(); wait > 0 && goOn.getAsBoolean(); wait = turn - System.nanoTime()) {
                TimeUnit.NANOSECONDS.sleep(Math.min(wait, STEP_NANOS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return goOn.getAsBoolean();
    }
}
