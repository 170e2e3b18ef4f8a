package io.eventshop.order.orders;

import io.eventshop.events.order.OrderCancelled;
import io.eventshop.problem.ProblemException;
import io.eventshop.store.EventStore;
import io.eventshop.store.StreamVersionConflictException;
import io.eventshop.tracing.RequestOrigin;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import java.util.function.Predicate;

/** Cancelling an order: by its shopper or an admin, while it is pending or confirmed. */
@ApplicationScoped
public class OrderCancelling {

    private final EventStore store;
    private final OrderStreams streams;

    OrderCancelling(EventStore store, OrderStreams streams) {
        this.store = store;
        this.streams = streams;
    }

    /**
     * Cancels the order if {@code visible} to the caller. A concurrent change (the saga confirming it) is
     * retried from a fresh load, three times; then the caller gets a 409 and may try again.
     *
     * @throws ProblemException 404 when there is no such order for the caller, 409 when it is rejected or
     *         cancelled already
     */
    public Uni<Void> cancel(UUID orderId, OrderCancelled.CancelledBy by, String actor, Predicate<Order> visible) {
        RequestOrigin origin = RequestOrigin.current(); // on the request's context, before the first asynchronous step
        return store.inTransaction(tx -> streams.load(tx, orderId).chain(found -> {
                    Order order = found.filter(visible).orElseThrow(() -> ProblemException.notFound("no order " + orderId));
                    OrderCancelled cancelled = OrderDecisions.cancel(order, by);
                    return streams.record(tx, order, cancelled, Order.Status.CANCELLED,
                            origin.within(orderId.toString(), OrderStreams.SOURCE, actor));
                }))
                .onFailure(StreamVersionConflictException.class).retry().atMost(3);
    }
}
