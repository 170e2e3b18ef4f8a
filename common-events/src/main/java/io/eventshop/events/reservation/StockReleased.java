package io.eventshop.events.reservation;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** A reservation was given back to stock after its order was cancelled. Type {@code io.eventshop.reservation.stock-released}. */
public record StockReleased(UUID orderId, List<ReservedLine> lines) implements ReservationEvent {

    public StockReleased {
        Objects.requireNonNull(orderId, "orderId");
        lines = List.copyOf(lines);
    }
}
