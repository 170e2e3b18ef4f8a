package io.eventshop.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The store's counters: {@code eventshop.store.appended} and {@code eventshop.store.append.conflicts}, by category. */
public final class StoreMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> appended = new ConcurrentHashMap<>();
    private final Map<String, Counter> conflicts = new ConcurrentHashMap<>();

    public StoreMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Counts appended events. The store calls it after the commit when it owns the transaction
     * ({@link EventStore#inTransaction}), so rolled-back appends are not counted there.
     */
    void appended(Map<String, Integer> appendedByCategory) {
        appendedByCategory.forEach((category, count) -> appended
                .computeIfAbsent(category, c -> Counter.builder("eventshop.store.appended")
                        .description("Events appended to the store")
                        .baseUnit("events")
                        .tag("category", c)
                        .register(registry))
                .increment(count));
    }

    void conflict(String category) {
        conflicts.computeIfAbsent(category, c -> Counter.builder("eventshop.store.append.conflicts")
                        .description("Appends refused because the stream was not at the expected version")
                        .tag("category", c)
                        .register(registry))
                .increment();
    }
}
