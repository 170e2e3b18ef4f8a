package io.eventshop.subscriber.runtime;

import io.eventshop.store.Checkpoint;
import io.eventshop.subscriber.state.Checkpoints.Lag;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A subscriber's lag per category, counted once at a time and reused for {@value #REUSE} times as long as counting took
 * (at most {@link #REUSE_AT_MOST}). Counting the events behind a checkpoint costs in proportion to how many there are (up
 * to a million while a view fills itself): counted on every status call, a poll of the status kept two Postgres sessions
 * of a 2-core machine counting, with three times the CPU the replay's own session got (common-events DECISIONS 62). A
 * count that took 1 s answers the calls of the next 10 s, one that took 2 ms those of the next 20 ms: a small lag stays
 * as fresh as before.
 */
final class LagMeasurements {

    /** A count answers for this many times as long as it took. */
    static final int REUSE = 10;
    /** ... and never longer than this. */
    static final Duration REUSE_AT_MOST = Duration.ofSeconds(30);
    /**
     * A count still running after this long is not waited for any more: the next call counts again. Longer than the
     * pool's statement timeout (120 s), which ends such a count first, so two never run at once.
     */
    static final Duration GIVE_UP = Duration.ofMinutes(3);

    private final LongSupplier nanoClock;
    private final Map<String, Measurement> last = new HashMap<>();

    LagMeasurements() {
        this(System::nanoTime);
    }

    LagMeasurements(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    private final class Measurement {
        private final Checkpoint from;
        private final long started = nanoClock.getAsLong();
        private volatile long took = -1; // while it runs
        private Uni<Lag> lag;

        Measurement(Checkpoint from) {
            this.from = from;
        }

        // A count from an earlier checkpoint is an upper bound for a later one; one from a later checkpoint (before a
        // reposition moved it back) says nothing.
        boolean answers(Checkpoint checkpoint, long now) {
            if (from.isAfter(checkpoint)) {
                return false;
            }
            long elapsed = now - started;
            long spent = took;
            return spent < 0 ? elapsed < GIVE_UP.toNanos() : elapsed - spent <= Math.min(REUSE * spent, REUSE_AT_MOST.toNanos());
        }

        // The oldest event then waiting has waited since, unless it was applied meanwhile: an age is never understated.
        Uni<Lag> aged() {
            return lag.map(counted -> {
                long since = took < 0 ? 0 : nanoClock.getAsLong() - started - took;
                return counted.events() == 0 || since <= 0 ? counted : new Lag(counted.events(), counted.seconds() + since / 1e9);
            });
        }
    }

    /**
     * The lag of {@code category} behind {@code checkpoint}: the running count's, a recent one's, or a new one from
     * {@code count}.
     */
    synchronized Uni<Lag> of(String category, Checkpoint checkpoint, Supplier<Uni<Lag>> count) {
        Measurement previous = last.get(category);
        if (previous != null && previous.answers(checkpoint, nanoClock.getAsLong())) {
            return previous.aged();
        }
        Measurement measurement = new Measurement(checkpoint);
        measurement.lag = Uni.createFrom().<Lag>deferred(count::get)
                .invoke(() -> measurement.took = Math.max(0, nanoClock.getAsLong() - measurement.started))
                .onFailure().invoke(() -> forget(category, measurement)) // a failure is not an answer to reuse
                .memoize().indefinitely();
        last.put(category, measurement);
        return measurement.lag;
    }

    private synchronized void forget(String category, Measurement failed) {
        last.remove(category, failed);
    }
}
