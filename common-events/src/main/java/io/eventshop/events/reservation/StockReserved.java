package io.eventshop.events.reservation;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** Every line of the order is held in stock. Type {@code io.eventshop.reservation.stock-reserved}. */
public record StockReserved(UUID orderId, List<ReservedLine> lines) implements ReservationEvent {

    public StockReserved {
        Objects.requireNonNull(orderId, "orderId");
        lines = List.copyOf(lines);
    }
}
