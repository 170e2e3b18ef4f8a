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
 * order was confirmed and cancelled; product names from ProductAdded. Beside the facts, in the same
 * transactions, aggregates that answer without scanning them: the totals as of now, and per day, hour
 * and range of store positions what the lines added ({@link SalesDeltas}; DECISIONS 5).
 */
@ApplicationScoped
public class SalesView extends AnalyticsView {

    public static final String NAME = "analytics.sales";

    public SalesView() {
        super("sales", 3, List.of(OrderEvent.CATEGORY, ProductEvent.CATEGORY),
                List.of(ProductAdded.class, OrderPlaced.class, OrderConfirmed.class, OrderCancelled.class),
                List.of("lines", "products", "totals", "time_buckets", "position_buckets"));
    }

    @Override
    public List<String> createTables(String schema) {
        String sums = "units bigint not null, revenue bigint not null, orders bigint not null";
        return List.of("create table " + schema + ".lines (order_id uuid not null, sku text not null, quantity int not null,"
                        + " currency text not null, amount bigint not null,"
                        + " confirmed_at timestamptz, confirmed_tx xid8, confirmed_pos bigint,"
                        + " cancelled_at timestamptz, cancelled_tx xid8, cancelled_pos bigint,"
                        + " primary key (order_id, sku)) with (fillfactor = 80)", // room for the updates of each stage on the same page
                // The facts after the last whole bucket before a moment, found by when or where they happened.
                "create index on " + schema + ".lines (confirmed_at) where confirmed_at is not null",
                "create index on " + schema + ".lines (cancelled_at) where cancelled_at is not null",
                "create index on " + schema + ".lines (confirmed_pos) where confirmed_pos is not null",
                "create index on " + schema + ".lines (cancelled_pos) where cancelled_pos is not null",
                "create table " + schema + ".products (sku text primary key, name text not null)",
                "create table " + schema + ".totals (sku text not null, currency text not null, " + sums + ", primary key (sku, currency))",
                // span_hours 24: days, 1: hours; bucket: whole spans since 1970-01-01T00:00Z.
                "create table " + schema + ".time_buckets (span_hours int not null, bucket bigint not null, sku text not null,"
                        + " currency text not null, " + sums + ", primary key (span_hours, bucket, sku, currency))",
                // bucket: global position / 32768; (min_tx, min_pos), (max_tx, max_pos): the first and the last store position
                // that added to it (the store's order: transaction, then position), to tell whether all of it, none of it
                // or some of it lies before a store position.
                "create table " + schema + ".position_buckets (bucket bigint not null, sku text not null, currency text not null, "
                        + sums + ", min_tx bigint not null, min_pos bigint not null, max_tx bigint not null, max_pos bigint not null,"
                        + " primary key (bucket, sku, currency))");
    }

    // A page's lines are its own orders' rows; the aggregates it adds to are shared, written last and briefly
    // (measured: a rebuild ×1.15–1.2 as fast with two partitions as with one worker, docs/benchmarks.md).
    @Override
    public boolean replaysInPartitions() {
        return true;
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
        SalesDeltas deltas = new SalesDeltas();
        return done.call(() -> mark(tx, schema, "confirmed", Facts.of(confirmed, SalesView::orderId), deltas))
                .call(() -> mark(tx, schema, "cancelled", Facts.of(cancelled, SalesView::orderId), deltas))
                .call(() -> add(tx, schema, deltas));
    }

    // Sets the fact on the lines of each order that do not have it yet, and collects what that changes: the rows updated,
    // with the facts they had. An order's latest event of the kind in the batch wins, as if applied one by one.
    private static Uni<Void> mark(StoreTransaction tx, String schema, String fact, Facts facts, SalesDeltas deltas) {
        if (facts.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String facts6 = "confirmed_at, confirmed_tx::text::bigint, confirmed_pos, cancelled_at, cancelled_tx::text::bigint, cancelled_pos";
        return tx.connection().preparedQuery("with u as (select distinct on (key) key, at, tx, pos from " + Facts.UNNEST
                        + " order by key, tx desc, pos desc),"
                        + " o as (select l.order_id, l.sku, " + facts6 + " from " + schema + ".lines l join u on l.order_id = u.key"
                        + " where (l." + fact + "_tx, l." + fact + "_pos) is distinct from (u.tx::text::xid8, u.pos))"
                        + " update " + schema + ".lines l set " + fact + "_at = u.at, " + fact + "_tx = u.tx::text::xid8, " + fact + "_pos = u.pos"
                        + " from u, o where l.order_id = u.key and o.order_id = l.order_id and o.sku = l.sku"
                        + " returning l.sku, l.currency, l.quantity, l.amount, o.confirmed_at, o.confirmed_tx, o.confirmed_pos, o.cancelled_at,"
                        + " o.cancelled_tx, o.cancelled_pos, l.confirmed_at, l.confirmed_tx::text::bigint, l.confirmed_pos, l.cancelled_at,"
                        + " l.cancelled_tx::text::bigint, l.cancelled_pos")
                .execute(facts.tuple())
                .invoke(rows -> rows.forEach(row -> deltas.changed(row.getString(0), row.getString(1), row.getInteger(2), row.getLong(3),
                        SalesDeltas.Fact.of(row, 4), SalesDeltas.Fact.of(row, 7), SalesDeltas.Fact.of(row, 10), SalesDeltas.Fact.of(row, 13))))
                .replaceWithVoid();
    }

    // One statement per aggregate table, in the same table order and key order in every transaction (no deadlock between
    // concurrent batches), the totals last: every batch adds to the same few total rows, and holds them until it commits.
    private static Uni<Void> add(StoreTransaction tx, String schema, SalesDeltas deltas) {
        if (deltas.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String adding = " units = a.units + excluded.units, revenue = a.revenue + excluded.revenue, orders = a.orders + excluded.orders";
        String sums = "$1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]";
        // The first and last positions only ever widen; every column of the update reads the row as it was.
        String earlier = "(excluded.min_tx, excluded.min_pos) < (a.min_tx, a.min_pos)";
        String later = "(excluded.max_tx, excluded.max_pos) > (a.max_tx, a.max_pos)";
        return tx.connection().preparedQuery("insert into " + schema + ".position_buckets as a (sku, currency, units, revenue, orders, bucket,"
                        + " min_tx, min_pos, max_tx, max_pos) select * from unnest(" + sums
                        + ", $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])"
                        + " on conflict (bucket, sku, currency) do update set" + adding
                        + ", min_tx = case when " + earlier + " then excluded.min_tx else a.min_tx end"
                        + ", min_pos = case when " + earlier + " then excluded.min_pos else a.min_pos end"
                        + ", max_tx = case when " + later + " then excluded.max_tx else a.max_tx end"
                        + ", max_pos = case when " + later + " then excluded.max_pos else a.max_pos end")
                .execute(deltas.positions())
                .chain(() -> tx.connection().preparedQuery("insert into " + schema + ".time_buckets as a (sku, currency, units, revenue,"
                        + " orders, span_hours, bucket) select * from unnest(" + sums + ", $6::int[], $7::bigint[])"
                        + " on conflict (span_hours, bucket, sku, currency) do update set" + adding).execute(deltas.times()))
                .chain(() -> tx.connection().preparedQuery("insert into " + schema + ".totals as a (sku, currency, units, revenue, orders)"
                        + " select * from unnest(" + sums + ") on conflict (sku, currency) do update set" + adding).execute(deltas.totals()))
                .replaceWithVoid();
    }

    static UUID orderId(Envelope<?> event) {
        return ((OrderEvent) event.payload()).orderId();
    }
}
