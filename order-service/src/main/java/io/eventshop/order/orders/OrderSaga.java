package io.eventshop.order.orders;

import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.reservation.ReservationEvent;
import io.eventshop.events.reservation.StockReservationRejected;
import io.eventshop.events.reservation.StockReserved;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Envelope;
import io.eventshop.subscriber.Subscription;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.UUID;

/**
 * The order's side of the saga, a reactor on reservation events: StockReserved confirms a pending
 * order, StockReservationRejected rejects it with the reasons (OrderDecisions.onReservation). An order
 * decided meanwhile (cancelled, or rejected by its deadline: ReservationDeadline) stays as it is;
 * inventory releases what it reserved. Appends at the order's loaded version, so a re-delivered event
 * cannot act twice, and a concurrent change is retried as a transient conflict.
 */
@ApplicationScoped
public class OrderSaga {

    public static final String NAME = "order.saga";

    private final OrderStreams streams;

    OrderSaga(OrderStreams streams) {
        this.streams = streams;
    }

    @Produces
    @ApplicationScoped
    Subscription saga() {
        return Subscription.reactor(NAME, ReservationEvent.CATEGORY)
                .on(StockReserved.class, (tx, reserved) -> decide(tx, reserved, reserved.payload().orderId()))
                .on(StockReservationRejected.class, (tx, rejected) -> decide(tx, rejected, rejected.payload().orderId()))
                .build();
    }

    private Uni<Void> decide(StoreTransaction tx, Envelope<? extends ReservationEvent> cause, UUID orderId) {
        return streams.load(tx, orderId).chain(found -> found
                .flatMap(order -> OrderDecisions.onReservation(order, cause.payload())
                        .map(event -> streams.record(tx, order, event, statusAfter(event),
                                cause.metadata().causedBy(cause.recorded().eventId(), OrderStreams.SOURCE))))
                .orElseGet(() -> Uni.createFrom().voidItem()));
    }

    static Order.Status statusAfter(OrderEvent event) {
        return event instanceof OrderConfirmed ? Order.Status.CONFIRMED : Order.Status.REJECTED;
    }
}
