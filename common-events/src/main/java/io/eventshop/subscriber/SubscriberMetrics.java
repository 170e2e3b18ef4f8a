package io.eventshop.subscriber;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One subscriber's meters, tagged {@code subscriber}: {@code eventshop.subscriber.applied} (by
 * {@code path}: live or catch-up), {@code .duplicates}, {@code .gaps.repaired}, {@code .caught.up}
 * (events the broker never delivered, applied by the catch-up reader), {@code .dead.letters},
 * {@code .retries} (by {@code kind}), {@code .lag.events}, {@code .lag.seconds} and
 * {@code .latency} (occurred_at to applied, with percentiles).
 */
final class SubscriberMetrics {

    private final Counter appliedLive;
    private final Counter appliedCatchUp;
    private final Counter duplicates;
    private final Counter gapsRepaired;
    private final Counter caughtUp;
    private final Counter deadLetters;
    private final Counter transientRetries;
    private final Counter handlerRetries;
    private final Timer latency;
    private final AtomicLong lagEvents = new AtomicLong();
    private final AtomicLong lagMillis = new AtomicLong();
    private final MeterRegistry registry;
    private final String subscriber;

    SubscriberMetrics(MeterRegistry registry, String subscriber) {
        this.registry = registry;
        this.subscriber = subscriber;
        appliedLive = counter(registry, "eventshop.subscriber.applied", "Events applied", subscriber, "path", "live");
        appliedCatchUp = counter(registry, "eventshop.subscriber.applied", "Events applied", subscriber, "path", "catch-up");
        duplicates = counter(registry, "eventshop.subscriber.duplicates", "Events skipped as already applied", subscriber);
        gapsRepaired = counter(registry, "eventshop.subscriber.gaps.repaired", "Events read from the store to fill a gap before a later version",
                subscriber);
        caughtUp = counter(registry, "eventshop.subscriber.caught.up", "Events the catch-up reader applied because no message brought them",
                subscriber);
        deadLetters = counter(registry, "eventshop.subscriber.dead.letters", "Events and messages dead-lettered", subscriber);
        transientRetries = counter(registry, "eventshop.subscriber.retries", "Tries repeated after a failure", subscriber, "kind", "transient");
        handlerRetries = counter(registry, "eventshop.subscriber.retries", "Tries repeated after a failure", subscriber, "kind", "handler");
        latency = Timer.builder("eventshop.subscriber.latency").description("From an event's occurred_at to its handler's commit")
                .tag("subscriber", subscriber).publishPercentiles(0.5, 0.99).publishPercentileHistogram()
                .register(registry);
        Gauge.builder("eventshop.subscriber.lag.events", lagEvents, AtomicLong::get).tag("subscriber", subscriber)
                .description("Events after the catch-up checkpoint, as of the last catch-up pass").baseUnit("events").register(registry);
        Gauge.builder("eventshop.subscriber.lag.seconds", lagMillis, v -> v.get() / 1000.0).tag("subscriber", subscriber)
                .description("Age of the oldest event after the catch-up checkpoint").baseUnit("seconds").register(registry);
    }

    private static Counter counter(MeterRegistry registry, String name, String description, String subscriber, String... tags) {
        return Counter.builder(name).description(description).tag("subscriber", subscriber).tags(tags).register(registry);
    }

    void live(StreamApplier.Outcome outcome, Instant occurredAt) {
        appliedLive.increment(outcome.applied());
        gapsRepaired.increment(outcome.repaired());
        if (outcome.duplicate()) {
            duplicates.increment();
        }
        if (outcome.applied() > 0) {
            latency.record(Duration.between(occurredAt, Instant.now()));
        }
    }

    void page(StreamApplier.PageOutcome outcome) {
        appliedCatchUp.increment(outcome.applied());
        caughtUp.increment(outcome.applied() - outcome.repaired());
        gapsRepaired.increment(outcome.repaired());
        duplicates.increment(outcome.duplicates());
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

    void deadLettered() {
        deadLetters.increment();
    }

    void retried(Failures.Kind kind) {
        (kind == Failures.Kind.TRANSIENT ? transientRetries : handlerRetries).increment();
    }

    void lag(long events, Duration age) {
        lagEvents.set(events);
        lagMillis.set(age.toMillis());
    }
}
