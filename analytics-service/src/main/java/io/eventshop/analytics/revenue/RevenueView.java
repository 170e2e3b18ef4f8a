package io.eventshop.analytics.revenue;

import io.eventshop.analytics.views.AnalyticsView;
import io.eventshop.analytics.views.Facts;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Envelope;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Revenue over time: an order's total is booked when it is confirmed, and booked back (negative) when
 * a confirmed order is cancelled, each entry at the time it happened. An order cancelled before it was
 * confirmed books nothing.
 */
@ApplicationScoped
public class RevenueView extends AnalyticsView {

    public static final String NAME = "analytics.revenue";

    public RevenueView() {
        super("revenue", 1, List.of(OrderEvent.CATEGORY),
                List.of(OrderPlaced.class, OrderConfirmed.class, OrderCancelled.class),
                List.of("orders", "entries"));
    }

    @Override
    public List<String> createTables(String schema) {
        return List.of("create table " + schema + ".orders (order_id uuid primary key, currency text not null, total bigint not null,"
                        + " confirmed_version int) with (fillfactor = 90)",
                "create table " + schema + ".entries (order_id uuid not null, kind text not null, currency text not null,"
                        + " amount bigint not null, at timestamptz not null, tx xid8 not null, pos bigint not null, primary key (order_id, kind))",
                "create index on " + schema + ".entries (at)");
    }

    @Override
    public Uni<Void> apply(StoreTransaction tx, String schema, List<Envelope<?>> events) {
        List<UUID> orders = new ArrayList<>();
        List<String> currencies = new ArrayList<>();
        List<Long> totals = new ArrayList<>();
        List<Envelope<?>> confirmed = new ArrayList<>();
        List<Envelope<?>> cancelled = new ArrayList<>();
        for (Envelope<?> event : events) {
            switch (event.payload()) {
                case OrderPlaced placed -> {
                    orders.add(placed.orderId());
                    currencies.add(placed.total().currency());
                    totals.add(placed.total().amount());
                }
                case OrderConfirmed c -> confirmed.add(event);
                case OrderCancelled c -> cancelled.add(event);
                default -> { }
            }
        }
        Uni<Void> done = Uni.createFrom().voidItem();
        if (!orders.isEmpty()) {
            done = done.call(() -> tx.connection().preparedQuery("insert into " + schema + ".orders (order_id, currency, total)"
                    + " select * from unnest($1::uuid[], $2::text[], $3::bigint[]) on conflict do nothing")
                    .execute(Tuple.of(orders.toArray(UUID[]::new), currencies.toArray(String[]::new), totals.toArray(Long[]::new))));
        }
        if (confirmed.isEmpty() && cancelled.isEmpty()) {
            return done;
        }
        // Confirmations before cancellations: a cancellation books back only what its stream confirmed
        // before it (by version), whichever batch the confirmation came in.
        return done.call(() -> book(tx, "with confirmed as (update " + schema + ".orders o set confirmed_version = u.version from "
                        + Facts.UNNEST + " where o.order_id = u.key returning o.order_id, o.currency, o.total, u.at, u.tx, u.pos)"
                        + " insert into " + schema + ".entries (order_id, kind, currency, amount, at, tx, pos)"
                        + " select order_id, 'CONFIRMED', currency, total, at, tx::text::xid8, pos from confirmed on conflict do nothing",
                        Facts.of(confirmed, RevenueView::orderId)))
                .call(() -> book(tx, "insert into " + schema + ".entries (order_id, kind, currency, amount, at, tx, pos)"
                        + " select o.order_id, 'CANCELLED', o.currency, -o.total, u.at, u.tx::text::xid8, u.pos from " + Facts.UNNEST
                        + " join " + schema + ".orders o on o.order_id = u.key where o.confirmed_version < u.version on conflict do nothing",
                        Facts.of(cancelled, RevenueView::orderId)));
    }

    private static Uni<Void> book(StoreTransaction tx, String sql, Facts facts) {
        return facts.isEmpty() ? Uni.createFrom().voidItem() : tx.connection().preparedQuery(sql).execute(facts.tuple()).replaceWithVoid();
    }

    private static UUID orderId(Envelope<?> event) {
        return ((OrderEvent) event.payload()).orderId();
    }
}
