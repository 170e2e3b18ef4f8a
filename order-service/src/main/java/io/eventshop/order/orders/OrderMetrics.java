package io.eventshop.order.orders;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@code eventshop.orders{outcome=placed|confirmed|rejected|cancelled}} (counted after the commit, so
 * a retried transaction is counted once) and {@code eventshop.orders.saga.duration} (from OrderPlaced
 * to its confirmation or rejection, with p50/p99).
 */
@ApplicationScoped
public class OrderMetrics {

    private final Map<Order.Status, Counter> decided = new EnumMap<>(Order.Status.class);
    private final Counter placed;
    private final Timer saga;

    OrderMetrics(MeterRegistry registry) {
        placed = counter(registry, "placed");
        decided.put(Order.Status.CONFIRMED, counter(registry, "confirmed"));
        decided.put(Order.Status.REJECTED, counter(registry, "rejected"));
        decided.put(Order.Status.CANCELLED, counter(registry, "cancelled"));
        saga = Timer.builder("eventshop.orders.saga.duration").description("From an order's placement to its confirmation or rejection")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(registry);
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("eventshop.orders").description("Orders by what happened to them").tag("outcome", outcome)
                .register(registry);
    }

    void placed() {
        placed.increment();
    }

    void reached(Order.Status status, Instant placedAt) {
        decided.get(status).increment();
        if (status != Order.Status.CANCELLED) {
            saga.record(Duration.between(placedAt, Instant.now()));
        }
    }
}
