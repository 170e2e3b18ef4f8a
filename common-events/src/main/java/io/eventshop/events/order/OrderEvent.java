package io.eventshop.events.order;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.StreamId;
import java.util.UUID;

/** Events of an {@code order-<orderId>} stream, written by order-service. */
public sealed interface OrderEvent extends DomainEvent
        permits OrderPlaced, OrderConfirmed, OrderRejected, OrderCancelled {

    String CATEGORY = "order";

    UUID orderId();

    static StreamId stream(UUID orderId) {
        return StreamId.of(CATEGORY, orderId);
    }

    @Override
    default StreamId streamId() {
        return stream(orderId());
    }
}
