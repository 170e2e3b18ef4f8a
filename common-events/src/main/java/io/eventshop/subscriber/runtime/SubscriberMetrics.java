package io.eventshop.subscriber.runtime;

import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.live.LiveConsumers;
import io.eventshop.subscriber.pipeline.Applied;
import io.eventshop.subscriber.pipeline.Delivery;
import io.eventshop.subscriber.pipeline.Failures;
import io.eventshop.subscriber.pipeline.PipelineListener;
import io.eventshop.wire.EventRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * One subscriber's meters, tagged {@code subscriber}: {@code eventshop.subscriber.applied} (by
 * {@code path}: live, catch-up or replay), {@code .duplicates}, {@code .gaps.repaired}, {@code
 * .caught.up} (events no message brought, applied by catch-up), {@code .dead.letters}, {@code
 * .skips.carried}, {@code .doorbells.unmatched} (messages naming an event the store does not hold),
 * {@code .live.batch.size} (deliveries applied together in one live transaction), {@code .live.batches.split} (live
 * batches that failed and were applied delivery by delivery), {@code .retries} (by {@code kind}), {@code .lag.events}, {@code .lag.seconds} and {@code .latency}
 * (occurred_at to applied, with percentiles). Also keeps the subscriber's last error for its status.
 */
final class SubscriberMetrics implements PipelineListener, LiveConsumers.Listener {

    private static final Logger LOG = Logger.getLogger(SubscriberMetrics.class);

    private final Counter appliedLive;
    private final Counter appliedCatchUp;
    private final Counter appliedReplay;
    private final Counter duplicates;
    private final Counter gapsRepaired;
    private final Counter caughtUp;
    private final Counter deadLetters;
    private final Counter carriedSkips;
    private final Counter unmatched;
    private final Counter unavailableRetries;
    private final Counter contentionRetries;
    private final Counter handlerRetries;
    private final Timer latency;
    private final DistributionSummary batchSizes;
    private final Counter batchesSplit;
    private final AtomicLong lagEvents = new AtomicLong();
    private final AtomicLong lagMillis = new AtomicLong();
    private final MeterRegistry registry;
    private final String subscriber;
    private final Consumer<String> lastError;

    SubscriberMetrics(MeterRegistry registry, String subscriber, Consumer<String> lastError) {
        this.registry = registry;
        this.subscriber = subscriber;
        this.lastError = lastError;
        String applied = "eventshop.subscriber.applied";
        appliedLive = counter(applied, "Events applied", "path", "live");
        appliedCatchUp = counter(applied, "Events applied", "path", "catch-up");
        appliedReplay = counter(applied, "Events applied", "path", "replay");
        duplicates = counter("eventshop.subscriber.duplicates", "Events skipped as already applied");
        gapsRepaired = counter("eventshop.subscriber.gaps.repaired", "Events read from the store to fill a gap before a later version");
        caughtUp = counter("eventshop.subscriber.caught.up", "Events the catch-up reader applied because no message brought them");
        deadLetters = counter("eventshop.subscriber.dead.letters", "Events and messages dead-lettered");
        carriedSkips = counter("eventshop.subscriber.skips.carried", "Events passed over because an operator skipped them in the lineage");
        unmatched = counter("eventshop.subscriber.doorbells.unmatched", "Messages naming an event the store does not hold, ignored");
        String retries = "eventshop.subscriber.retries";
        unavailableRetries = counter(retries, "Tries repeated after a failure", "kind", "unavailable");
        contentionRetries = counter(retries, "Tries repeated after a failure", "kind", "contention");
        handlerRetries = counter(retries, "Tries repeated after a failure", "kind", "handler");
        latency = Timer.builder("eventshop.subscriber.latency").description("From an event's occurred_at to its handler's commit")
                .tag("subscriber", subscriber).publishPercentiles(0.5, 0.99).publishPercentileHistogram()
                .register(registry);
        batchSizes = DistributionSummary.builder("eventshop.subscriber.live.batch.size")
                .description("Deliveries applied together in one live transaction").baseUnit("deliveries")
                .tag("subscriber", subscriber).register(registry);
        batchesSplit = counter("eventshop.subscriber.live.batches.split", "Live batches that failed and were applied delivery by delivery");
        Gauge.builder("eventshop.subscriber.lag.events", lagEvents, AtomicLong::get).tag("subscriber", subscriber)
                .description("Events after the catch-up checkpoint, as of the last catch-up pass").baseUnit("events").register(registry);
        Gauge.builder("eventshop.subscriber.lag.seconds", lagMillis, v -> v.get() / 1000.0).tag("subscriber", subscriber)
                .description("Age of the oldest event after the catch-up checkpoint").baseUnit("seconds").register(registry);
    }

    private Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tag("subscriber", subscriber).tags(tags).register(registry);
    }

    @Override
    public void rung(Delivery delivery, Applied applied, StoredEvent event) {
        appliedLive.increment(applied.applied());
        gapsRepaired.increment(applied.repaired());
        duplicates.increment(applied.duplicates());
        if (delivery == Delivery.APPLIED && event != null) {
            latency.record(Duration.between(event.occurredAt(), Instant.now()));
        }
    }

    @Override
    public void rungAll(List<Delivery> deliveries, Applied applied, List<StoredEvent> events) {
        appliedLive.increment(applied.applied());
        gapsRepaired.increment(applied.repaired());
        duplicates.increment(applied.duplicates());
        Instant now = Instant.now();
        for (int i = 0; i < deliveries.size(); i++) {
            if (deliveries.get(i) == Delivery.APPLIED && events.get(i) != null) {
                latency.record(Duration.between(events.get(i).occurredAt(), now));
            }
        }
    }

    @Override
    public void batchSplit(int deliveries, Throwable failure) {
        batchesSplit.increment();
        LOG.infof("subscriber %s: a batch of %d live deliveries failed, each is applied alone now: %s", subscriber, deliveries,
                Failures.reason(failure));
    }

    @Override
    public void page(boolean replay, Applied applied) {
        if (replay) {
            appliedReplay.increment(applied.applied());
        } else {
            appliedCatchUp.increment(applied.applied());
            caughtUp.increment(applied.applied() - applied.repaired());
        }
        gapsRepaired.increment(applied.repaired());
        duplicates.increment(applied.duplicates());
    }

    // Passing failures are retried; one that does not pass must still be visible.
    @Override
    public void retrying(Failures.Kind kind, int tries, Throwable failure) {
        (switch (kind) {
            case UNAVAILABLE -> unavailableRetries;
            case CONTENTION -> contentionRetries;
            default -> handlerRetries;
        }).increment();
        if (tries % 10 == 0) {
            String error = "retrying (" + kind.name().toLowerCase() + ", " + tries + " tries): " + Failures.reason(failure);
            lastError.accept(error);
            LOG.warnf("subscriber %s: %s", subscriber, error);
        }
    }

    @Override
    public void gaveUp(StoredEvent event, long deadLetterId, boolean carriedSkip, String reason, int attempts) {
        if (carriedSkip) {
            carriedSkips.increment();
            LOG.infof("subscriber %s: %s version %d (%s) passed over, as an operator decided for its lineage (dead letter %d): %s",
                    subscriber, event.streamId(), event.streamVersion(), event.type(), deadLetterId, reason);
            return;
        }
        deadLetters.increment();
        LOG.warnf("subscriber %s: dead letter %d: %s version %d (%s) after %d attempt(s), stream parked: %s", subscriber, deadLetterId,
                event.streamId(), event.streamVersion(), event.type(), attempts, reason);
    }

    @Override
    public void failedWithoutEvent(Throwable failure) {
        String error = "failed, retrying: " + Failures.reason(failure);
        lastError.accept(error);
        LOG.errorf(failure, "subscriber %s %s", subscriber, error);
    }

    @Override
    public void unmatched(EventRef ref) {
        unmatched.increment();
    }

    @Override
    public void batch(int deliveries) {
        batchSizes.record(deliveries);
    }

    @Override
    public void unreadable(long deadLetterId, String reason) {
        deadLetters.increment();
        LOG.warnf("subscriber %s: dead letter %d: unreadable message: %s", subscriber, deadLetterId, reason);
    }

    void lag(long events, Duration age) {
        lagEvents.set(events);
        lagMillis.set(age.toMillis());
    }

    /**
     * Takes this subscriber's meters out of the registry when it stops: a retired view generation's series
     * would otherwise stay forever, and a gauge registered again under the same name would keep reading
     * the stopped subscriber's values.
     */
    void remove() {
        List<Meter> mine = registry.getMeters().stream().filter(meter -> subscriber.equals(meter.getId().getTag("subscriber"))
                && meter.getId().getName().startsWith("eventshop.subscriber.")).toList();
        mine.forEach(registry::remove);
    }
}
