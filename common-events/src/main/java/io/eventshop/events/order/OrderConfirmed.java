package io.eventshop.events.order;

import java.util.Objects;
import java.util.UUID;

/** Every line of the order is reserved; the order stands. Type {@code io.eventshop.order.confirmed}. */
public record OrderConfirmed(UUID orderId) implements OrderEvent {

    public OrderConfirmed {
        Objects.requireNonNull(orderId, "orderId");
    }
}
