package io.eventshop.events.reservation;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.StreamId;
import java.util.UUID;

/**
 * Events of a {@code reservation-<orderId>} stream, written by inventory-service. The stream id is
 * the order's id, so a re-delivered OrderPlaced can only ever reserve once (expected version).
 */
public sealed interface ReservationEvent extends DomainEvent
        permits StockReserved, StockReservationRejected, StockReleased {

    String CATEGORY = "reservation";

    UUID orderId();

    static StreamId stream(UUID orderId) {
        return StreamId.of(CATEGORY, orderId);
    }

    @Override
    default StreamId streamId() {
        return stream(orderId());
    }
}
