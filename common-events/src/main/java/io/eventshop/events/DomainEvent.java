package io.eventshop.events;

/**
 * Every fact eventshop records. Each stream category's family ({@code order.OrderEvent},
 * {@code product.ProductEvent}, {@code reservation.ReservationEvent}) is sealed, so folding a stream is an exhaustive
 * switch and a new event type breaks the build where it is not handled, not in production. (This
 * root cannot be sealed itself: its families live in other packages of an unnamed module.)
 */
public interface DomainEvent {

    /** The stream this event belongs to, derived from its own data. */
    StreamId streamId();
}
