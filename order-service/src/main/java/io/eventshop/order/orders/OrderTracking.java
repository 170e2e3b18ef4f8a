package io.eventshop.order.orders;

import io.eventshop.events.Money;
import io.eventshop.store.EventStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Tracking orders: one order as its stream tells it, and a shopper's orders from the index table, newest first. */
@ApplicationScoped
public class OrderTracking {

    private static final String SUMMARY_COLUMNS = "select order_id, status, total_amount, total_currency, placed_at from orders.orders";
    private static final String LIST = SUMMARY_COLUMNS
            + " where shopper_id = $1 and ($2::timestamptz is null or (placed_at, order_id) < ($2, $3)) order by placed_at desc, order_id desc limit $4";
    private static final String SUMMARY = SUMMARY_COLUMNS + " where shopper_id = $1 and order_id = $2";

    /** One order in a shopper's list. */
    public record Summary(UUID id, Order.Status status, Money total, Instant placedAt) {
    }

    private final EventStore store;
    private final OrderStreams streams;

    OrderTracking(EventStore store, OrderStreams streams) {
        this.store = store;
        this.streams = streams;
    }

    /** The order as its stream tells it, if it exists. */
    public Uni<Optional<Order>> load(UUID orderId) {
        return streams.load(orderId);
    }

    /** A shopper's orders, newest first, after the one {@code after} names (a keyset page). */
    public Uni<List<Summary>> list(String shopperId, Optional<Summary> after, int limit) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(LIST).execute(Tuple.of(shopperId,
                        after.map(s -> OffsetDateTime.ofInstant(s.placedAt(), ZoneOffset.UTC)).orElse(null),
                        after.map(Summary::id).orElse(null), limit))
                .map(rows -> {
                    List<Summary> summaries = new ArrayList<>();
                    rows.forEach(row -> summaries.add(summary(row)));
                    return summaries;
                }));
    }

    /** The summary of one of the shopper's orders: where a page ended. */
    public Uni<Optional<Summary>> summary(String shopperId, UUID orderId) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(SUMMARY).execute(Tuple.of(shopperId, orderId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(summary(rows.iterator().next()))));
    }

    private static Summary summary(Row row) {
        return new Summary(row.getUUID(0), Order.Status.valueOf(row.getString(1)), Money.of(row.getLong(2), row.getString(3)),
                row.getOffsetDateTime(4).toInstant());
    }
}
