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
        super(NAME, 1, "orders", List.of(ProductEvent.CATEGORY), List.of(ProductAdded.class, ProductPriceChanged.class),
                List.of("products"));
    }

    @Override
    public List<String> createTables(String schema) {
        return List.of("create table " + schema + ".products (sku text primary key, name text not null, price_amount bigint not null,"
                + " price_currency text not null)");
    }

    // Event by event, in order: a page holds few product events, and a price change must follow its product's addition.
    @Override
    public Uni<Void> apply(StoreTransaction tx, String schema, List<Envelope<?>> events) {
        return Multi.createFrom().iterable(events)
                .onItem().transformToUniAndConcatenate(event -> switch (event.payload()) {
                    // An upsert: a reposition applies events again, and a product added again is as it was added.
                    case ProductAdded added -> tx.connection().preparedQuery("insert into " + schema + ".products (sku, name, price_amount,"
                                    + " price_currency) values ($1, $2, $3, $4) on conflict (sku) do update set name = excluded.name,"
                                    + " price_amount = excluded.price_amount, price_currency = excluded.price_currency")
                            .execute(Tuple.of(added.sku(), added.name(), added.price().amount(), added.price().currency()))
                            .replaceWithVoid();
                    case ProductPriceChanged changed -> tx.connection().preparedQuery("update " + schema + ".products set price_amount = $2,"
                                    + " price_currency = $3 where sku = $1")
                            .execute(Tuple.of(changed.sku(), changed.price().amount(), changed.price().currency()))
                            .invoke(rows -> {
                                if (rows.rowCount() != 1) {
                                    // The protocol applies a stream in order, so ProductAdded came first: this is a broken stream.
                                    throw new IllegalStateException("price of " + changed.sku() + " changed, but the catalog has no such product");
                                }
                            })
                            .replaceWithVoid();
                    default -> Uni.createFrom().voidItem();
                })
                .collect().last().replaceWithVoid();
    }
}
