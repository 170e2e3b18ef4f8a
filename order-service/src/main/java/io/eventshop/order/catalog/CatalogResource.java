package io.eventshop.order.catalog;

import io.eventshop.events.Money;
import io.eventshop.store.EventStore;
import io.eventshop.view.Views;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;

/** {@code GET /products}: the catalog shoppers order from, as order-service prices it (docs/api.md, The catalog). */
@Path("/products")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({"shopper", "admin"})
public class CatalogResource {

    /** One product on offer. */
    @RegisterForReflection
    public record Item(String sku, String name, Money price) {
    }

    private final EventStore store;
    private final Views views;

    CatalogResource(EventStore store, Views views) {
        this.store = store;
        this.views = views;
    }

    @GET
    public Uni<List<Item>> products() {
        return store.inTransaction(tx -> views.read(tx, CatalogView.NAME, live -> tx.connection()
                        .query("select sku, name, price_amount, price_currency from " + CatalogView.PRODUCTS + " order by sku").execute())
                .map(rows -> {
                    List<Item> items = new ArrayList<>();
                    rows.forEach(row -> items.add(new Item(row.getString(0), row.getString(1),
                            Money.of(row.getLong(2), row.getString(3)))));
                    return items;
                }));
    }
}
