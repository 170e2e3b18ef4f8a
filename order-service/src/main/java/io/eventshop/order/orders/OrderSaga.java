package io.eventshop.order.orders;

import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderRejected;
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
 * order, StockReservationRejected rejects it with the reasons. An order cancelled meanwhile stays
 * cancelled (inventory releases what it reserved). Appends at the order's loaded version, so a
 * re-delivered event cannot act twice, and a concurrent cancel is retried as a transient conflict.
 */
@ApplicationScoped
public class OrderSaga {

    public static final String NAME = "order.saga";
    private static final String SOURCE = "order-service";

    private final Orders orders;

    OrderSaga(Orders orders) {
        this.orders = orders;
    }

    @Produces
    @ApplicationScoped
    Subscription saga() {
        return Subscription.reactor(NAME, ReservationEvent.CATEGORY)
                .on(StockReserved.class, (tx, reserved) -> decide(tx, reserved, reserved.payload().orderId(), true))
                .on(StockReservationRejected.class, (tx, rejected) -> decide(tx, rejected, rejected.payload().orderId(), false))
                .build();
    }

    private Uni<Void> decide(StoreTransaction tx, Envelope<?> cause, UUID orderId, boolean reserved) {
        return orders.load(tx, orderId).chain(found -> {
            if (found.isEmpty() || found.get().status() != Order.Status.PENDING) {
                return Uni.createFrom().voidItem();
            }
            Order order = found.get();
            var metadata = cause.metadata().causedBy(cause.recorded().eventId(), SOURCE);
            return reserved
                    ? orders.record(tx, order, new OrderConfirmed(orderId), Order.Status.CONFIRMED, metadata)
                    : orders.record(tx, order, new OrderRejected(orderId, ((StockReservationRejected) cause.payload()).rejections()),
                            Order.Status.REJECTED, metadata);
        });
    }
}
