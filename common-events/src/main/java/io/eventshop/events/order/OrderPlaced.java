package io.eventshop.events.order;

import io.eventshop.events.Money;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** A shopper placed an order; stock is not yet reserved. Type {@code io.eventshop.order.placed}. */
public record OrderPlaced(UUID orderId, String shopperId, List<OrderLine> lines, Money total) implements OrderEvent {

    public OrderPlaced {
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(shopperId, "shopperId");
        Objects.requireNonNull(total, "total");
        lines = List.copyOf(lines);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("an order needs at least one line");
        }
    }
}
