package io.eventshop.events.reservation;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Nothing was reserved: at least one line failed, each failure with its reason. Type {@code io.eventshop.reservation.stock-reservation-rejected}. */
public record StockReservationRejected(UUID orderId, List<LineRejection> rejections) implements ReservationEvent {

    public StockReservationRejected {
        Objects.requireNonNull(orderId, "orderId");
        rejections = List.copyOf(rejections);
        if (rejections.isEmpty()) {
            throw new IllegalArgumentException("a rejected reservation names at least one failing line");
        }
    }
}
