package io.eventshop.relay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code eventshop.relay.published} (events confirmed by the broker), {@code eventshop.relay.failures},
 * {@code eventshop.relay.confirm.latency} (per batch), {@code eventshop.relay.lag.seconds} (age of the
 * oldest event not yet confirmed, 0 when caught up) and {@code eventshop.relay.lag.events} (events
 * known to wait: the current batch; more may wait behind a full one). All by category.
 */
final class RelayMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> published = new ConcurrentHashMap<>();
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private final Map<String, Timer> confirmLatency = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> lagMillis = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> lagEvents = new ConcurrentHashMap<>();

    RelayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void caughtUp(String category) {
        lagMillis(category).set(0);
        lagEvents(category).set(0);
    }

    void behind(String category, Instant oldestWaiting, int waiting) {
        lagMillis(category).set(Math.max(0, Duration.between(oldestWaiting, Instant.now()).toMillis()));
        lagEvents(category).set(waiting);
    }

    void confirmed(String category, int events, Duration latency) {
        published.computeIfAbsent(category, c -> Counter.builder("eventshop.relay.published")
                .description("Events the broker confirmed").baseUnit("events").tag("category", c).register(registry))
                .increment(events);
        confirmLatency.computeIfAbsent(category, c -> Timer.builder("eventshop.relay.confirm.latency")
                .description("From sending a batch to the broker's last confirm").tag("category", c).register(registry))
                .record(latency);
    }

    void unpublishable(String category) {
        Counter.builder("eventshop.relay.unpublishable").description("Stored events that could not be encoded as a message; catch-up applies them")
                .tag("category", category).register(registry).increment();
    }

    void failed(String category) {
        failures.computeIfAbsent(category, c -> Counter.builder("eventshop.relay.failures")
                .description("Relay rounds that failed and will be retried").tag("category", c).register(registry))
                .increment();
    }

    /** Events read but not yet confirmed, as last measured. */
    long waiting(String category) {
        return lagEvents(category).get();
    }

    /** Age of the oldest event not yet confirmed, as last measured. */
    double waitingSeconds(String category) {
        return lagMillis(category).get() / 1000.0;
    }

    private AtomicLong lagMillis(String category) {
        return lagMillis.computeIfAbsent(category, c -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("eventshop.relay.lag.seconds", value, v -> v.get() / 1000.0)
                    .description("Age of the oldest event not yet confirmed by the broker").baseUnit("seconds")
                    .tag("category", c).register(registry);
            return value;
        });
    }

    private AtomicLong lagEvents(String category) {
        return lagEvents.computeIfAbsent(category, c -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("eventshop.relay.lag.events", value, AtomicLong::get)
                    .description("Events read but not yet confirmed (one batch at most)").baseUnit("events")
                    .tag("category", c).register(registry);
            return value;
        });
    }
}
