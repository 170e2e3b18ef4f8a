package io.eventshop.events.order;

import java.util.Objects;
import java.util.UUID;

/** The shopper cancelled the order; a reservation it holds is released. Type {@code io.eventshop.order.cancelled}. */
public record OrderCancelled(UUID orderId) implements OrderEvent {

    public OrderCancelled {
        Objects.requireNonNull(orderId, "orderId");
    }
}
