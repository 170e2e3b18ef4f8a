package io.eventshop.inventory.reservations;

import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.order.OrderRejected;
import io.eventshop.events.reservation.LineRejection;
import io.eventshop.events.reservation.ReservationEvent;
import io.eventshop.events.reservation.ReservedLine;
import io.eventshop.events.reservation.StockReleased;
import io.eventshop.events.reservation.StockReservationRejected;
import io.eventshop.events.reservation.StockReserved;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Envelope;
import io.eventshop.subscriber.Subscription;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The reservation step of the saga (docs/architecture.md, The shop), a reactor on order events: OrderPlaced
 * reserves every line or none and appends StockReserved or StockReservationRejected (a reason per
 * failing line); OrderCancelled, or OrderRejected by the order's deadline, releases a reservation the order
 * holds (StockReleased), once.
 *
 * <p>No overselling under any concurrency or number of replicas: the order's product rows are locked
 * (in sku order, so two orders never deadlock) and checked in the same transaction that reserves,
 * with {@code reserved <= on_hand} as a constraint besides. The reservation stream's id is the
 * order's, appended with an expected version, so a re-delivered event cannot act twice.
 */
@ApplicationScoped
public class Reservations {

    public static final String NAME = "inventory.reservations";
    private static final String SOURCE = "inventory-service";
    private static final String LOCK = "select p.sku, p.on_hand - p.reserved from unnest($1::text[]) k(sku)"
            + " join inventory.products p on p.sku = k.sku order by p.sku for update of p";
    private static final String RESERVE = "update inventory.products p set reserved = p.reserved + r.quantity"
            + " from unnest($1::text[], $2::int[]) r(sku, quantity) where p.sku = r.sku";
    private static final String RELEASE = "update inventory.products p set reserved = p.reserved - r.quantity"
            + " from unnest($1::text[], $2::int[]) r(sku, quantity) where p.sku = r.sku";

    private final EventStore store;

    Reservations(EventStore store) {
        this.store = store;
    }

    @Produces
    @ApplicationScoped
    Subscription reservations() {
        return Subscription.reactor(NAME, OrderEvent.CATEGORY)
                .on(OrderPlaced.class, this::reserve)
                .on(OrderCancelled.class, (tx, cancelled) -> release(tx, cancelled, cancelled.payload().orderId()))
                // Rejected by its deadline, the order may hold a reservation that came late; other rejections hold none.
                .on(OrderRejected.class, (tx, rejected) -> release(tx, rejected, rejected.payload().orderId()))
                .build();
    }

    // An order whose reservation stream exists was decided already (by an earlier delivery whose
    // progress a reset lost, or by hand): deciding again would only conflict, forever.
    private Uni<Void> reserve(StoreTransaction tx, Envelope<OrderPlaced> event) {
        return store.readStream(tx, ReservationEvent.stream(event.payload().orderId()), 1, 1)
                .chain(existing -> existing.isEmpty() ? decide(tx, event) : Uni.createFrom().voidItem());
    }

    private Uni<Void> decide(StoreTransaction tx, Envelope<OrderPlaced> event) {
        OrderPlaced placed = event.payload();
        Map<String, Integer> wanted = new HashMap<>();
        placed.lines().forEach(line -> wanted.merge(line.sku(), line.quantity(), Integer::sum));
        String[] skus = wanted.keySet().stream().sorted().toArray(String[]::new);
        return tx.connection().preparedQuery(LOCK).execute(Tuple.of((Object) skus)).chain(rows -> {
            Map<String, Integer> available = new HashMap<>();
            for (Row row : rows) {
                available.put(row.getString(0), row.getInteger(1));
            }
            List<LineRejection> rejections = new ArrayList<>();
            for (OrderLine line : placed.lines()) {
                Integer free = available.get(line.sku());
                if (free == null) {
                    rejections.add(new LineRejection(line.sku(), LineRejection.Reason.UNKNOWN_SKU, line.quantity(), 0));
                } else if (free < wanted.get(line.sku())) {
                    rejections.add(new LineRejection(line.sku(), LineRejection.Reason.INSUFFICIENT_STOCK, line.quantity(), free));
                }
            }
            if (!rejections.isEmpty()) {
                return append(tx, event, new StockReservationRejected(placed.orderId(), rejections), ExpectedVersion.NO_STREAM);
            }
            List<ReservedLine> reserved = wanted.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(entry -> new ReservedLine(entry.getKey(), entry.getValue())).toList();
            return adjust(tx, RESERVE, reserved)
                    .chain(() -> append(tx, event, new StockReserved(placed.orderId(), reserved), ExpectedVersion.NO_STREAM));
        });
    }

    // Releases what the order holds: only a reservation whose last event is StockReserved, so a second
    // cancellation (or one for an order whose reservation was rejected) changes nothing.
    private Uni<Void> release(StoreTransaction tx, Envelope<? extends OrderEvent> event, UUID orderId) {
        return store.readStream(tx, ReservationEvent.stream(orderId), 1, Integer.MAX_VALUE).chain(events -> {
            if (events.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            StoredEvent last = events.getLast();
            if (!(EventCodec.decode(last.event()) instanceof StockReserved held)) {
                return Uni.createFrom().voidItem();
            }
            return adjust(tx, RELEASE, held.lines()).chain(() -> append(tx, event,
                    new StockReleased(orderId, held.lines()), ExpectedVersion.exactly(last.streamVersion())));
        });
    }

    private static Uni<Void> adjust(StoreTransaction tx, String sql, List<ReservedLine> lines) {
        String[] skus = lines.stream().map(ReservedLine::sku).toArray(String[]::new);
        Integer[] quantities = lines.stream().map(ReservedLine::quantity).toArray(Integer[]::new);
        return tx.connection().preparedQuery(sql).execute(Tuple.of(skus, quantities)).replaceWithVoid();
    }

    private Uni<Void> append(StoreTransaction tx, Envelope<?> cause, ReservationEvent event, ExpectedVersion expected) {
        var metadata = cause.metadata().causedBy(cause.recorded().eventId(), SOURCE);
        return store.append(tx, event.streamId(), expected, List.of(EventCodec.encode(event, metadata, Instant.now()))).replaceWithVoid();
    }
}
