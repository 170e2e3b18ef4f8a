package io.eventshop.analytics.sales;

import io.eventshop.analytics.views.AnalyticsView;
import io.eventshop.analytics.views.Facts;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.product.ProductAdded;
import io.eventshop.events.product.ProductEvent;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Envelope;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Sales per product: units and revenue of confirmed orders that were not cancelled, per sku and
 * currency (amounts in different currencies are never added). One row per order line, with when its
 * order was confirmed and cancelled; product names from ProductAdded.
 */
@ApplicationScoped
public class SalesView extends AnalyticsView {

    public static final String NAME = "analytics.sales";

    public SalesView() {
        super("sales", 1, List.of(OrderEvent.CATEGORY, ProductEvent.CATEGORY),
                List.of(ProductAdded.class, OrderPlaced.class, OrderConfirmed.class, OrderCancelled.class),
                List.of("lines", "products"));
    }

    @Override
    public List<String> createTables(String schema) {
        return List.of("create table " + schema + ".lines (order_id uuid not null, sku text not null, quantity int not null,"
                        + " currency text not null, amount bigint not null,"
                        + " confirmed_at timestamptz, confirmed_tx xid8, confirmed_pos bigint,"
                        + " cancelled_at timestamptz, cancelled_tx xid8, cancelled_pos bigint,"
                        + " primary key (order_id, sku)) with (fillfactor = 80)", // room for the in-place (HOT) updates of each stage
                "create table " + schema + ".products (sku text primary key, name text not null)");
    }

    @Override
    public Uni<Void> apply(StoreTransaction tx, String schema, List<Envelope<?>> events) {
        List<String> productSkus = new ArrayList<>();
        List<String> productNames = new ArrayList<>();
        List<UUID> lineOrders = new ArrayList<>();
        List<String> lineSkus = new ArrayList<>();
        List<Integer> lineQuantities = new ArrayList<>();
        List<String> lineCurrencies = new ArrayList<>();
        List<Long> lineAmounts = new ArrayList<>();
        List<Envelope<?>> confirmed = new ArrayList<>();
        List<Envelope<?>> cancelled = new ArrayList<>();
        for (Envelope<?> event : events) {
            switch (event.payload()) {
                case ProductAdded added -> {
                    productSkus.add(added.sku());
                    productNames.add(added.name());
                }
                case OrderPlaced placed -> {
                    for (OrderLine line : placed.lines()) {
                        lineOrders.add(placed.orderId());
                        lineSkus.add(line.sku());
                        lineQuantities.add(line.quantity());
                        lineCurrencies.add(line.unitPrice().currency());
                        lineAmounts.add(line.lineTotal().amount());
                    }
                }
                case OrderConfirmed c -> confirmed.add(event);
                case OrderCancelled c -> cancelled.add(event);
                default -> { }
            }
        }
        Uni<Void> done = Uni.createFrom().voidItem();
        if (!productSkus.isEmpty()) {
            done = done.call(() -> tx.connection().preparedQuery("insert into " + schema + ".products (sku, name)"
                    + " select * from unnest($1::text[], $2::text[]) on conflict (sku) do update set name = excluded.name")
                    .execute(Tuple.of(productSkus.toArray(String[]::new), productNames.toArray(String[]::new))));
        }
        if (!lineOrders.isEmpty()) {
            done = done.call(() -> tx.connection().preparedQuery("insert into " + schema + ".lines (order_id, sku, quantity, currency, amount)"
                    + " select * from unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::bigint[]) on conflict do nothing")
                    .execute(Tuple.from(List.of(lineOrders.toArray(UUID[]::new), lineSkus.toArray(String[]::new),
                            lineQuantities.toArray(Integer[]::new), lineCurrencies.toArray(String[]::new), lineAmounts.toArray(Long[]::new)))));
        }
        if (confirmed.isEmpty() && cancelled.isEmpty()) {
            return done;
        }
        return done.call(() -> mark(tx, schema, "confirmed", Facts.of(confirmed, SalesView::orderId)))
                .call(() -> mark(tx, schema, "cancelled", Facts.of(cancelled, SalesView::orderId)));
    }

    private static Uni<Void> mark(StoreTransaction tx, String schema, String fact, Facts facts) {
        if (facts.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.connection().preparedQuery("update " + schema + ".lines l set " + fact + "_at = u.at, " + fact + "_tx = u.tx::text::xid8, "
                        + fact + "_pos = u.pos from " + Facts.UNNEST + " where l.order_id = u.key")
                .execute(facts.tuple()).replaceWithVoid();
    }

    static UUID orderId(Envelope<?> event) {
        return ((OrderEvent) event.payload()).orderId();
    }
}
