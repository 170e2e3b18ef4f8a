package io.eventshop.events.order;

import io.eventshop.events.reservation.LineRejection;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** The order could not be reserved; the reasons name each failing line. Type {@code io.eventshop.order.rejected}. */
public record OrderRejected(UUID orderId, List<LineRejection> rejections) implements OrderEvent {

    public OrderRejected {
        Objects.requireNonNull(orderId, "orderId");
        rejections = List.copyOf(rejections);
    }
}
