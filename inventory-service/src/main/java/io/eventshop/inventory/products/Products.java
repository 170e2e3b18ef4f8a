package io.eventshop.inventory.products;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.Money;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.product.ProductAdded;
import io.eventshop.events.product.ProductEvent;
import io.eventshop.events.product.ProductPriceChanged;
import io.eventshop.events.product.StockReplenished;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoreTransaction;
import io.eventshop.tracing.RequestOrigin;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The product catalog and stock: each change updates the product's row and appends its event to
 * {@code product-<sku>} in one transaction. The row's version is the stream's version, so the
 * optimistic lock and the append's expected version are the same check.
 */
@ApplicationScoped
public class Products {

    private static final String SOURCE = "inventory-service";
    private static final String INSERT = "insert into inventory.products (sku, name, price_amount, price_currency, on_hand, version)"
            + " values ($1, $2, $3, $4, $5, 1) on conflict (sku) do nothing";
    private static final String FIND = "select sku, name, price_amount, price_currency, on_hand, reserved, version"
            + " from inventory.products where sku = $1";
    private static final String SET_PRICE = "update inventory.products set price_amount = $2, price_currency = $3, version = version + 1"
            + " where sku = $1 and version = $4";
    private static final String RESTOCK = "update inventory.products set on_hand = on_hand + $2, version = version + 1"
            + " where sku = $1 and version = $3 and on_hand + $2 <= $4";

    /** Someone changed the product between our read and our write: the caller retries or answers 409. */
    public static final class ConcurrentChangeException extends RuntimeException {
        ConcurrentChangeException(String sku) {
            super("product " + sku + " changed concurrently; try again");
        }
    }

    private final EventStore store;

    Products(EventStore store) {
        this.store = store;
    }

    /** @return empty when the sku exists already */
    public Uni<Optional<ProductView>> add(String sku, String name, Money price, int initialStock, String actor) {
        ProductAdded added = new ProductAdded(sku, name, price, initialStock);
        RequestOrigin origin = RequestOrigin.current(); // on the request's context, before the first asynchronous step
        return store.inTransaction(tx -> tx.connection().preparedQuery(INSERT)
                .execute(Tuple.of(sku, name, price.amount(), price.currency(), initialStock))
                .chain(inserted -> inserted.rowCount() == 0
                        ? Uni.createFrom().item(Optional.<ProductView>empty())
                        : append(tx, added, ExpectedVersion.NO_STREAM, origin, actor)
                                .replaceWith(Optional.of(new ProductView(sku, name, price, initialStock, 0, initialStock)))));
    }

    public Uni<Optional<ProductView>> find(String sku) {
        return store.inTransaction(tx -> read(tx, sku)).map(found -> found.map(Snapshot::view));
    }

    /** @return empty when there is no such product */
    public Uni<Optional<ProductView>> changePrice(String sku, Money price, String actor) {
        return change(sku, actor, (tx, current) -> tx.connection().preparedQuery(SET_PRICE)
                        .execute(Tuple.of(sku, price.amount(), price.currency(), current.version())),
                new ProductPriceChanged(sku, price));
    }

    /**
     * @return empty when there is no such product
     * @throws IllegalArgumentException (as the Uni's failure) when the stock would exceed the limit
     */
    public Uni<Optional<ProductView>> restock(String sku, int quantity, String actor) {
        return change(sku, actor, (tx, current) -> {
            if ((long) current.onHand() + quantity > ProductRequests.MAX_UNITS) {
                return Uni.createFrom().failure(new IllegalArgumentException("stock of " + sku + " would be "
                        + ((long) current.onHand() + quantity) + ", more than " + ProductRequests.MAX_UNITS));
            }
            return tx.connection().preparedQuery(RESTOCK)
                    .execute(Tuple.of(sku, quantity, current.version(), ProductRequests.MAX_UNITS));
        }, new StockReplenished(sku, quantity));
    }

    private interface Update {
        Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> apply(StoreTransaction tx, Snapshot current);
    }

    private Uni<Optional<ProductView>> change(String sku, String actor, Update update, ProductEvent event) {
        RequestOrigin origin = RequestOrigin.current();
        return store.inTransaction(tx -> read(tx, sku).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(Optional.<ProductView>empty());
            }
            Snapshot current = found.get();
            return update.apply(tx, current).chain(updated -> {
                if (updated.rowCount() == 0) {
                    return Uni.createFrom().failure(new ConcurrentChangeException(sku));
                }
                return append(tx, event, ExpectedVersion.exactly(current.version()), origin, actor)
                        .chain(() -> read(tx, sku)).map(after -> after.map(Snapshot::view));
            });
        }));
    }

    // Each product change is a flow of its own, started by the request.
    private Uni<Void> append(StoreTransaction tx, ProductEvent event, ExpectedVersion expected, RequestOrigin origin, String actor) {
        EventMetadata metadata = origin.startingFlow(SOURCE, UUID.randomUUID(), actor);
        return store.append(tx, event.streamId(), expected, List.of(EventCodec.encode(event, metadata, Instant.now()))).replaceWithVoid();
    }

    private record Snapshot(ProductView view, int version) {
        int onHand() {
            return view.onHand();
        }
    }

    private static Uni<Optional<Snapshot>> read(StoreTransaction tx, String sku) {
        return tx.connection().preparedQuery(FIND).execute(Tuple.of(sku)).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row row = rows.iterator().next();
            int onHand = row.getInteger("on_hand");
            int reserved = row.getInteger("reserved");
            return Optional.of(new Snapshot(new ProductView(row.getString("sku"), row.getString("name"),
                    Money.of(row.getLong("price_amount"), row.getString("price_currency")), onHand, reserved, onHand - reserved),
                    row.getInteger("version")));
        });
    }
}
