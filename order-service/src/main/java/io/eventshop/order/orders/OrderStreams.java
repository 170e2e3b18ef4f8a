package io.eventshop.order.orders;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.reservation.ReservationEvent;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The order streams: an order is loaded by folding its {@code order-<id>} stream, and a decision about it is
 * appended at the version it was loaded at, with the index table's status kept in step in the same
 * transaction. Shared by the use cases; a concurrent change makes the append fail with a version conflict.
 */
@ApplicationScoped
class OrderStreams {

    static final String SOURCE = "order-service";

    private final EventStore store;
    private final OrderMetrics metrics;
    private final Clock clock;

    OrderStreams(EventStore store, OrderMetrics metrics, Clock clock) {
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The order as its stream tells it, if it exists. */
    Uni<Optional<Order>> load(UUID orderId) {
        return store.readStream(OrderEvent.stream(orderId), 1).collect().asList().map(OrderStreams::fold);
    }

    /** As {@link #load(UUID)}, inside {@code tx}: for decisions appended next. */
    Uni<Optional<Order>> load(StoreTransaction tx, UUID orderId) {
        return store.readStream(tx, OrderEvent.stream(orderId), 1, Integer.MAX_VALUE).map(OrderStreams::fold);
    }

    /** Appends {@code event}, which brings the order to {@code status}, at the version it was loaded at. */
    Uni<Void> record(StoreTransaction tx, Order order, OrderEvent event, Order.Status status, EventMetadata metadata) {
        return store.append(tx, event.streamId(), ExpectedVersion.exactly(order.version()),
                        List.of(EventCodec.encode(event, metadata, clock.instant())))
                .chain(() -> tx.connection().preparedQuery("update orders.orders set status = $2 where order_id = $1")
                        .execute(Tuple.of(order.id(), status.name())))
                .invoke(() -> tx.afterCommit(() -> metrics.reached(status, order.placedAt())))
                .replaceWithVoid();
    }

    /** How inventory decided the order's reservation, if it has: the reservation stream's first event. */
    Uni<Optional<ReservationEvent>> reservationOutcome(StoreTransaction tx, UUID orderId) {
        return store.readStream(tx, ReservationEvent.stream(orderId), 1, 1)
                .map(events -> events.stream().map(stored -> (ReservationEvent) EventCodec.decode(stored.event())).findFirst());
    }

    private static Optional<Order> fold(List<StoredEvent> events) {
        Order order = null;
        for (StoredEvent stored : events) {
            order = Order.apply(order, (OrderEvent) EventCodec.decode(stored.event()), stored.type(), stored.streamVersion(),
                    stored.occurredAt());
        }
        return Optional.ofNullable(order);
    }
}
