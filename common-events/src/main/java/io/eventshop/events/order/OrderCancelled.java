package io.eventshop.events.order;

import java.util.Objects;
import java.util.UUID;

/**
 * The order was cancelled; a reservation it holds is released. Type {@code io.eventshop.order.cancelled},
 * schema version 2: version 1 had no {@code cancelledBy} (only shoppers could cancel), see
 * {@link OrderCancelledV1Upcaster}.
 */
public record OrderCancelled(UUID orderId, CancelledBy cancelledBy) implements OrderEvent {

    /** Who asked for the cancellation. */
    public enum CancelledBy { SHOPPER, ADMIN }

    public OrderCancelled {
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(cancelledBy, "cancelledBy");
    }
}
