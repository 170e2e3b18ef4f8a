package io.eventshop.order.catalog;

import io.eventshop.events.product.ProductAdded;
import io.eventshop.events.product.ProductEvent;
import io.eventshop.events.product.ProductPriceChanged;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Envelope;
import io.eventshop.view.View;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * The {@code order.catalog} view: each product's name and current price, from product events; what
 * orders are priced from (no service asks another over HTTP). A view, so a new or wiped catalog fills
 * itself from the store and an admin can rebuild it; stock events are not its business. Read through
 * {@link #PRODUCTS}.
 */
@ApplicationScoped
public class CatalogView extends View {

    public static final String NAME = "order.catalog";
    /** The relation queries read: the live copy's products table. */
    public static final String PRODUCTS = "orders.catalog_products";

    CatalogView() {
        super(NAME, 2, "orders", List.of(ProductEvent.CATEGORY), List.of(ProductAdded.class, ProductPriceChanged.class),
                List.of("products"));
    }

    @Override
    public List<String> createTables(String schema) {
        // version: the product stream's version the row reflects. Orders are priced from this table, so applying
        // events again (a reposition) must never take a price back, not even for a moment.
        return List.of("create table " + schema + ".products (sku text primary key, name text not null, price_amount bigint not null,"
                + " price_currency text not null, version int not null)");
    }

    // Event by event, in order: a page holds few product events, and a price change must follow its product's addition.
    @Override
    public Uni<Void> apply(StoreTransaction tx, String schema, List<Envelope<?>> events) {
        return Multi.createFrom().iterable(events)
                .onItem().transformToUniAndConcatenate(event -> switch (event.payload()) {
                    // Applied again (a reposition), an event older than the row changes nothing.
                    case ProductAdded added -> tx.connection().preparedQuery("insert into " + schema + ".products (sku, name, price_amount,"
                                    + " price_currency, version) values ($1, $2, $3, $4, $5) on conflict (sku) do update set name = excluded.name,"
                                    + " price_amount = excluded.price_amount, price_currency = excluded.price_currency, version = excluded.version"
                                    + " where products.version < excluded.version")
                            .execute(Tuple.tuple(List.of(added.sku(), added.name(), added.price().amount(), added.price().currency(),
                                    event.streamVersion())))
                            .replaceWithVoid();
                    case ProductPriceChanged changed -> tx.connection().preparedQuery("update " + schema + ".products set price_amount = $2,"
                                    + " price_currency = $3, version = $4 where sku = $1 and version < $4")
                            .execute(Tuple.of(changed.sku(), changed.price().amount(), changed.price().currency(), event.streamVersion()))
                            .chain(rows -> rows.rowCount() == 1 ? Uni.createFrom().voidItem() : known(tx, schema, changed.sku()));
                    default -> Uni.createFrom().voidItem();
                })
                .collect().last().replaceWithVoid();
    }

    // A price change that changed no row: the row is newer already (applied again), or there is no such product,
    // which the protocol rules out (ProductAdded is version 1 of the same stream): a broken stream.
    private static Uni<Void> known(StoreTransaction tx, String schema, String sku) {
        return tx.connection().preparedQuery("select 1 from " + schema + ".products where sku = $1").execute(Tuple.of(sku))
                .invoke(rows -> {
                    if (rows.size() == 0) {
                        throw new IllegalStateException("price of " + sku + " changed, but the catalog has no such product");
                    }
                })
                .replaceWithVoid();
    }
}
