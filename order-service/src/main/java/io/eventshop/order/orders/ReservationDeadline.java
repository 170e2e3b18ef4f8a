package io.eventshop.order.orders;

import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderRejected;
import io.eventshop.events.reservation.LineRejection;
import io.eventshop.store.EventStore;
import io.eventshop.store.StreamVersionConflictException;
import io.eventshop.tracing.RequestOrigin;
import io.eventshop.worker.Worker;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The saga's deadline: an order still pending {@code eventshop.orders.reservation-deadline} (5 minutes) after it
 * was placed is rejected with reason RESERVATION_TIMEOUT (OrderDecisions.onDeadline), so no order stays pending
 * for ever when its reservation never comes (inventory-service down for good, a lost category). Looked for every
 * {@code eventshop.orders.deadline-check-interval} in the index table, oldest first. Every replica looks: the
 * rejection is appended at the order's loaded version, so when the saga (or another replica) decided first, this
 * one's append conflicts and the earlier decision stands. A reservation that comes after the rejection is released
 * by inventory-service, which releases what a rejected order holds.
 */
@ApplicationScoped
public class ReservationDeadline {

    private static final Logger LOG = Logger.getLogger(ReservationDeadline.class);
    // Oldest first, a page at a time after the last one seen: an order that cannot be decided is passed over.
    private static final String OVERDUE = "select order_id, placed_at from orders.orders where status = 'PENDING' and placed_at <= $1"
            + " and ($3::timestamptz is null or (placed_at, order_id) > ($3, $4)) order by placed_at, order_id limit $2";
    private static final int PAGE = 100;

    private final EventStore store;
    private final OrderStreams streams;
    private final Clock clock;
    private final Duration deadline;
    private final Duration interval;
    private final Worker worker = new Worker("eventshop-reservation-deadline");

    ReservationDeadline(EventStore store, OrderStreams streams, Clock clock,
            @ConfigProperty(name = "eventshop.orders.reservation-deadline", defaultValue = "5m") Duration deadline,
            @ConfigProperty(name = "eventshop.orders.deadline-check-interval", defaultValue = "10s") Duration interval) {
        this.store = store;
        this.streams = streams;
        this.clock = clock;
        this.deadline = deadline;
        this.interval = interval;
    }

    void onStart(@Observes StartupEvent start) {
        worker.startEvery(interval, this::sweep, e -> LOG.warnf("looking for orders past their reservation deadline failed (%s);"
                + " trying again in %s", e.getMessage(), interval));
    }

    void onStop(@Observes ShutdownEvent stop) {
        worker.stop(Duration.ofSeconds(5));
    }

    private void sweep() {
        Instant now = clock.instant();
        Page page = new Page(List.of(), null, null, 0);
        int rejected = 0;
        do {
            page = overdue(now, page).await().atMost(Duration.ofMinutes(1));
            rejected += page.rejected();
        } while (page.orders().size() == PAGE && worker.running());
        if (rejected > 0) {
            LOG.infof("rejected %d order(s) not reserved within %s (RESERVATION_TIMEOUT)", rejected, deadline);
        }
    }

    /** A page of overdue orders, where it ended, and how many of them were rejected for their deadline. */
    record Page(List<UUID> orders, OffsetDateTime lastPlacedAt, UUID lastOrder, int rejected) {
    }

    /** Decides the page of orders past their deadline after {@code previous}, oldest first. */
    Uni<Page> overdue(Instant now, Page previous) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(OVERDUE)
                        .execute(Tuple.of(OffsetDateTime.ofInstant(now.minus(deadline), ZoneOffset.UTC), PAGE, previous.lastPlacedAt(),
                                previous.lastOrder())))
                .chain(rows -> {
                    List<UUID> orders = new ArrayList<>();
                    OffsetDateTime[] last = {null};
                    rows.forEach(row -> {
                        orders.add(row.getUUID(0));
                        last[0] = row.getOffsetDateTime(1);
                    });
                    return Multi.createFrom().iterable(orders).onItem().transformToUniAndConcatenate(id -> decide(id, now))
                            .collect().with(Collectors.summingInt(Integer::intValue))
                            .map(rejected -> new Page(orders, last[0], orders.isEmpty() ? null : orders.getLast(), rejected));
                });
    }

    // When inventory has decided but the saga is behind (its subscriber lagging), that decision is applied here
    // rather than overruled: a deadline is for reservations that never come, not for slow ones.
    private Uni<Integer> decide(UUID orderId, Instant now) {
        // No request causes it: the sweep's own id (fresh per order) is its cause, and no trace it could join.
        RequestOrigin sweep = RequestOrigin.current();
        return store.inTransaction(tx -> streams.load(tx, orderId).chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    Order order = found.get();
                    return streams.reservationOutcome(tx, orderId).chain(outcome -> {
                        Optional<OrderEvent> decision = outcome.isPresent() ? OrderDecisions.onReservation(order, outcome.get())
                                : OrderDecisions.onDeadline(order, now, deadline).map(OrderEvent.class::cast);
                        return decision.map(event -> streams.record(tx, order, event, OrderSaga.statusAfter(event),
                                        sweep.within(orderId.toString(), OrderStreams.SOURCE, null))
                                .replaceWith(event instanceof OrderRejected rejected && isTimeout(rejected) ? 1 : 0))
                                .orElseGet(() -> Uni.createFrom().item(0));
                    });
                }))
                // The saga (or another replica) decided it meanwhile: that decision stands.
                .onFailure(StreamVersionConflictException.class).recoverWithItem(0)
                // One order that cannot be decided must not stop the others behind it, oldest first, for ever.
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("order %s is past its reservation deadline but could not be rejected (%s); next pass tries again",
                            orderId, failure.getMessage());
                    return 0;
                });
    }

    private static boolean isTimeout(OrderRejected rejected) {
        return rejected.rejections().stream().anyMatch(line -> line.reason() == LineRejection.Reason.RESERVATION_TIMEOUT);
    }
}
