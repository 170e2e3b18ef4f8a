package io.eventshop.order.orders;

import io.eventshop.events.Money;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.order.catalog.CatalogView;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoreTransaction;
import io.eventshop.tracing.RequestOrigin;
import io.eventshop.view.Views;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Placing an order: priced from the catalog view, idempotent per shopper and Idempotency-Key; the order's first
 * event, its index row and the key ride in one transaction.
 */
@ApplicationScoped
public class OrderPlacing {

    private static final String PRICES = "select sku, price_amount, price_currency from " + CatalogView.PRODUCTS
            + " where sku = any($1::text[])";
    // A key counts for eventshop.orders.idempotency-key-ttl (24 h) from its first use: a retry comes within
    // minutes, and a key kept for ever would make the table grow for ever (IdempotencyKeyPurge deletes them).
    private static final String FIND_KEY = "select request_hash, order_id from orders.idempotency_keys"
            + " where shopper_id = $1 and key = $2 and created_at > $3";
    // An expired key is taken over; a live one (a concurrent request with the same key) is not: no row then.
    private static final String RECORD_KEY = "insert into orders.idempotency_keys (shopper_id, key, request_hash, order_id, created_at)"
            + " values ($1, $2, $3, $4, $6) on conflict (shopper_id, key) do update set request_hash = excluded.request_hash,"
            + " order_id = excluded.order_id, created_at = excluded.created_at where orders.idempotency_keys.created_at <= $5";
    private static final String INDEX = "insert into orders.orders (order_id, shopper_id, status, total_amount, total_currency, placed_at)"
            + " values ($1, $2, 'PENDING', $3, $4, $5)";

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

    private final EventStore store;
    private final OrderMetrics metrics;
    private final Views views;
    private final Clock clock;
    private final Duration keyTtl;

    OrderPlacing(EventStore store, OrderMetrics metrics, Views views, Clock clock,
            @ConfigProperty(name = "eventshop.orders.idempotency-key-ttl", defaultValue = "24h") Duration keyTtl) {
        this.store = store;
        this.metrics = metrics;
        this.views = views;
        this.clock = clock;
        this.keyTtl = keyTtl;
    }

    public Uni<Placement> place(String shopperId, String idempotencyKey, String requestHash, List<Requested> lines) {
        // Read on the request's context, before the first asynchronous step: the order's flow starts with this request.
        return place(shopperId, idempotencyKey, requestHash, lines, RequestOrigin.current());
    }

    private Uni<Placement> place(String shopperId, String idempotencyKey, String requestHash, List<Requested> lines, RequestOrigin origin) {
        UUID orderId = UUID.randomUUID();
        Instant now = clock.instant();
        OffsetDateTime expiredAt = OffsetDateTime.ofInstant(now.minus(keyTtl), ZoneOffset.UTC);
        return store.inTransaction(tx -> tx.connection().preparedQuery(FIND_KEY).execute(Tuple.of(shopperId, idempotencyKey, expiredAt))
                .chain(found -> {
                    if (found.size() > 0) {
                        return Uni.createFrom().item(earlier(found.iterator().next(), requestHash));
                    }
                    return price(tx, lines).chain(priced -> {
                        if (priced instanceof Unpriceable refused) {
                            return Uni.createFrom().<Placement>item(refused);
                        }
                        OrderPlaced placed = OrderDecisions.place(orderId, shopperId, ((Priced) priced).lines());
                        Money total = placed.total();
                        return tx.connection().preparedQuery(RECORD_KEY).execute(Tuple.of(shopperId, idempotencyKey, requestHash, orderId,
                                        expiredAt, OffsetDateTime.ofInstant(now, ZoneOffset.UTC)))
                                .chain(recorded -> recorded.rowCount() == 0
                                        // a concurrent request with the same key won: answer as it did
                                        ? Uni.createFrom().failure(new KeyRaceException())
                                        : store.append(tx, placed.streamId(), ExpectedVersion.NO_STREAM, List.of(EventCodec.encode(placed,
                                                        origin.startingFlow(OrderStreams.SOURCE, orderId, shopperId), now)))
                                                .chain(() -> tx.connection().preparedQuery(INDEX).execute(Tuple.of(orderId, shopperId,
                                                        total.amount(), total.currency(), OffsetDateTime.ofInstant(now, ZoneOffset.UTC))))
                                                .invoke(() -> tx.afterCommit(metrics::placed))
                                                .replaceWith(new Placed(orderId, false)));
                    });
                }))
                .onFailure(KeyRaceException.class).recoverWithUni(() -> place(shopperId, idempotencyKey, requestHash, lines, origin));
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
