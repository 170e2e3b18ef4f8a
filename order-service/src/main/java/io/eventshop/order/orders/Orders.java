package io.eventshop.order.orders;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.Money;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.order.catalog.CatalogView;
import io.eventshop.problem.ProblemException;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.store.StreamVersionConflictException;
import io.eventshop.view.Views;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/** Placing and reading orders: the stream is the order; the index table and idempotency keys ride in the same transaction. */
@ApplicationScoped
public class Orders {

    private static final String SOURCE = "order-service";
    private static final String PRICES = "select sku, price_amount, price_currency from " + CatalogView.PRODUCTS
            + " where sku = any($1::text[])";
    private static final String FIND_KEY = "select request_hash, order_id from orders.idempotency_keys where shopper_id = $1 and key = $2";
    private static final String RECORD_KEY = "insert into orders.idempotency_keys (shopper_id, key, request_hash, order_id)"
            + " values ($1, $2, $3, $4) on conflict do nothing";
    private static final String INDEX = "insert into orders.orders (order_id, shopper_id, status, total_amount, total_currency, placed_at)"
            + " values ($1, $2, 'PENDING', $3, $4, $5)";
    private static final String SUMMARY_COLUMNS = "select order_id, status, total_amount, total_currency, placed_at from orders.orders";
    private static final String LIST = SUMMARY_COLUMNS
            + " where shopper_id = $1 and ($2::timestamptz is null or (placed_at, order_id) < ($2, $3)) order by placed_at desc, order_id desc limit $4";
    private static final String SUMMARY = SUMMARY_COLUMNS + " where shopper_id = $1 and order_id = $2";

    /** A line as asked for. */
    public record Requested(String sku, int quantity) {
    }

    /** What placing led to: a new order, the one an earlier request with the same key placed, or a refusal. */
    public sealed interface Placement {
    }

    public record Placed(UUID orderId, boolean replayed) implements Placement {
    }

    /** The same Idempotency-Key was used with another request. */
    public record KeyReused(UUID orderId) implements Placement {
    }

    /** Lines naming skus the catalog does not have, by line index, or lines in more than one currency. */
    public record Unpriceable(Map<Integer, String> problems) implements Placement {
    }

    /** One order in a shopper's list. */
    public record Summary(UUID id, Order.Status status, Money total, Instant placedAt) {
    }

    private final EventStore store;
    private final OrderMetrics metrics;
    private final Views views;

    Orders(EventStore store, OrderMetrics metrics, Views views) {
        this.store = store;
        this.metrics = metrics;
        this.views = views;
    }

    public Uni<Placement> place(String shopperId, String idempotencyKey, String requestHash, List<Requested> lines) {
        UUID orderId = UUID.randomUUID();
        return store.inTransaction(tx -> tx.connection().preparedQuery(FIND_KEY).execute(Tuple.of(shopperId, idempotencyKey))
                .chain(found -> {
                    if (found.size() > 0) {
                        return Uni.createFrom().item(earlier(found.iterator().next(), requestHash));
                    }
                    return price(tx, lines).chain(priced -> {
                        if (priced instanceof Unpriceable refused) {
                            return Uni.createFrom().<Placement>item(refused);
                        }
                        List<OrderLine> orderLines = ((Priced) priced).lines();
                        Money total = orderLines.stream().map(OrderLine::lineTotal).reduce(Money::plus).orElseThrow();
                        OrderPlaced placed = new OrderPlaced(orderId, shopperId, orderLines, total);
                        Instant now = Instant.now();
                        return tx.connection().preparedQuery(RECORD_KEY).execute(Tuple.of(shopperId, idempotencyKey, requestHash, orderId))
                                .chain(recorded -> recorded.rowCount() == 0
                                        // a concurrent request with the same key won: answer as it did
                                        ? Uni.createFrom().failure(new KeyRaceException())
                                        : store.append(tx, placed.streamId(), ExpectedVersion.NO_STREAM, List.of(EventCodec.encode(placed,
                                                        EventMetadata.startingFlow(SOURCE, orderId, shopperId), now)))
                                                .chain(() -> tx.connection().preparedQuery(INDEX).execute(Tuple.of(orderId, shopperId,
                                                        total.amount(), total.currency(), OffsetDateTime.ofInstant(now, ZoneOffset.UTC))))
                                                .invoke(() -> tx.afterCommit(metrics::placed))
                                                .replaceWith(new Placed(orderId, false)));
                    });
                }))
                .onFailure(KeyRaceException.class).recoverWithUni(() -> place(shopperId, idempotencyKey, requestHash, lines));
    }

    /** The order as its stream tells it, if it exists. */
    public Uni<Optional<Order>> load(UUID orderId) {
        return store.readStream(OrderEvent.stream(orderId), 1).collect().asList().map(Orders::fold);
    }

    /** As {@link #load(UUID)}, inside {@code tx}: for commands that append to the order next. */
    Uni<Optional<Order>> load(StoreTransaction tx, UUID orderId) {
        return store.readStream(tx, OrderEvent.stream(orderId), 1, Integer.MAX_VALUE).map(Orders::fold);
    }

    private static Optional<Order> fold(List<StoredEvent> events) {
        Order order = null;
        for (StoredEvent stored : events) {
            order = Order.apply(order, (OrderEvent) EventCodec.decode(stored.event()), stored.type(), stored.streamVersion(),
                    stored.occurredAt());
        }
        return Optional.ofNullable(order);
    }

    /**
     * Appends {@code event} to the order at the version it was loaded at and keeps the index's status in
     * step, in {@code tx}. A concurrent change makes the append fail with a version conflict.
     */
    Uni<Void> record(StoreTransaction tx, Order order, OrderEvent event, Order.Status status, EventMetadata metadata) {
        return store.append(tx, event.streamId(), ExpectedVersion.exactly(order.version()),
                        List.of(EventCodec.encode(event, metadata, Instant.now())))
                .chain(() -> tx.connection().preparedQuery("update orders.orders set status = $2 where order_id = $1")
                        .execute(Tuple.of(order.id(), status.name())))
                .invoke(() -> tx.afterCommit(() -> metrics.reached(status, order.history().getFirst().occurredAt())))
                .replaceWithVoid();
    }

    /**
     * Cancels the order if {@code visible} to the caller and still pending or confirmed. A concurrent
     * change (the saga confirming it) is retried from a fresh load.
     *
     * @throws io.eventshop.problem.ProblemException 404 when there is no such order for the caller,
     *         409 when it is rejected or cancelled already
     */
    public Uni<Void> cancel(UUID orderId, OrderCancelled.CancelledBy by, String actor, Predicate<Order> visible) {
        return store.inTransaction(tx -> load(tx, orderId).chain(found -> {
                    Order order = found.filter(visible).orElseThrow(() -> ProblemException.notFound("no order " + orderId));
                    if (order.status() == Order.Status.REJECTED || order.status() == Order.Status.CANCELLED) {
                        throw ProblemException.conflict("order " + orderId + " is " + order.status().name().toLowerCase()
                                + " and cannot be cancelled");
                    }
                    return record(tx, order, new OrderCancelled(orderId, by), Order.Status.CANCELLED,
                            new EventMetadata(orderId.toString(), null, SOURCE, null, actor));
                }))
                .onFailure(StreamVersionConflictException.class).retry().atMost(3);
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

    private static Placement earlier(Row key, String requestHash) {
        UUID orderId = key.getUUID(1);
        return key.getString(0).equals(requestHash) ? new Placed(orderId, true) : new KeyReused(orderId);
    }

    private record Priced(List<OrderLine> lines) {
    }

    // Prices each line from the catalog view (503 while it fills itself); every line must be known and all in one currency.
    private Uni<Object> price(StoreTransaction tx, List<Requested> lines) {
        String[] skus = lines.stream().map(Requested::sku).distinct().toArray(String[]::new);
        return views.read(tx, CatalogView.NAME, live -> tx.connection().preparedQuery(PRICES).execute(Tuple.of((Object) skus))).map(rows -> {
            Map<String, Money> prices = new LinkedHashMap<>();
            rows.forEach(row -> prices.put(row.getString(0), Money.of(row.getLong(1), row.getString(2))));
            Map<Integer, String> problems = new LinkedHashMap<>();
            List<OrderLine> priced = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                Money price = prices.get(lines.get(i).sku());
                if (price == null) {
                    problems.put(i, "unknown sku " + lines.get(i).sku());
                } else {
                    priced.add(new OrderLine(lines.get(i).sku(), lines.get(i).quantity(), price));
                }
            }
            if (problems.isEmpty() && priced.stream().map(line -> line.unitPrice().currency()).distinct().count() > 1) {
                for (int i = 0; i < lines.size(); i++) {
                    problems.put(i, "the order mixes currencies (" + priced.get(i).unitPrice().currency() + "); order each currency apart");
                }
            }
            return problems.isEmpty() ? new Priced(priced) : new Unpriceable(problems);
        });
    }

    private static final class KeyRaceException extends RuntimeException {
        KeyRaceException() {
            super(null, null, false, false);
        }
    }
}
