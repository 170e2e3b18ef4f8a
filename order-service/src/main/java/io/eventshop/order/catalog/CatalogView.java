package io.eventshop.order.catalog;

import io.eventshop.events.product.ProductAdded;
import io.eventshop.events.product.ProductEvent;
import io.eventshop.events.product.ProductPriceChanged;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Envelope;
import io.eventshop.subscriber.Subscription;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/**
 * The {@code order.catalog} view: each product's name and current price, from product events. A view,
 * so a new or wiped catalog fills itself from the store; stock events are not its business.
 */
@ApplicationScoped
public class CatalogView {

    public static final String NAME = "order.catalog";

    @Produces
    @ApplicationScoped
    Subscription catalog() {
        return Subscription.view(NAME, ProductEvent.CATEGORY)
                .on(ProductAdded.class, CatalogView::added)
                .on(ProductPriceChanged.class, CatalogView::priceChanged)
                .build();
    }

    private static Uni<Void> added(StoreTransaction tx, Envelope<ProductAdded> event) {
        ProductAdded added = event.payload();
        return tx.connection().preparedQuery("insert into orders.catalog (sku, name, price_amount, price_currency)"
                        + " values ($1, $2, $3, $4)")
                .execute(Tuple.of(added.sku(), added.name(), added.price().amount(), added.price().currency()))
                .replaceWithVoid();
    }

    private static Uni<Void> priceChanged(StoreTransaction tx, Envelope<ProductPriceChanged> event) {
        ProductPriceChanged changed = event.payload();
        return tx.connection().preparedQuery("update orders.catalog set price_amount = $2, price_currency = $3 where sku = $1")
                .execute(Tuple.of(changed.sku(), changed.price().amount(), changed.price().currency()))
                .invoke(rows -> {
                    if (rows.rowCount() != 1) {
                        // The protocol applies a stream in order, so ProductAdded came first: this is a broken stream.
                        throw new IllegalStateException("price of " + changed.sku() + " changed, but the catalog has no such product");
                    }
                })
                .replaceWithVoid();
    }
}
