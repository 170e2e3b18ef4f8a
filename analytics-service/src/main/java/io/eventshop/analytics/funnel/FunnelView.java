package io.eventshop.analytics.funnel;

import io.eventshop.analytics.views.AnalyticsView;
import io.eventshop.analytics.views.Facts;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.order.OrderRejected;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Envelope;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** The order funnel: one row per order with when (and where in the store) it was placed, confirmed, rejected and cancelled. */
@ApplicationScoped
public class FunnelView extends AnalyticsView {

    public static final String NAME = "analytics.funnel";
    static final List<String> STAGES = List.of("placed", "confirmed", "rejected", "cancelled");

    public FunnelView() {
        super("funnel", 1, List.of(OrderEvent.CATEGORY),
                List.of(OrderPlaced.class, OrderConfirmed.class, OrderRejected.class, OrderCancelled.class),
                List.of("orders"));
    }

    @Override
    public List<String> createTables(String schema) {
        StringBuilder columns = new StringBuilder();
        for (String stage : STAGES) {
            columns.append(", ").append(stage).append("_at timestamptz, ").append(stage).append("_tx xid8, ").append(stage).append("_pos bigint");
        }
        // Room on each page for the in-place (HOT) updates of the later stages.
        return List.of("create table " + schema + ".orders (order_id uuid primary key" + columns + ") with (fillfactor = 80)");
    }

    @Override
    public Uni<Void> apply(StoreTransaction tx, String schema, List<Envelope<?>> events) {
        Uni<Void> done = Uni.createFrom().voidItem();
        // Placed first: every other stage of an order comes later in its stream.
        for (String stage : STAGES) {
            List<Envelope<?>> ofStage = events.stream().filter(event -> stage(event).equals(stage)).toList();
            if (ofStage.isEmpty()) {
                continue;
            }
            Facts facts = Facts.of(ofStage, FunnelView::orderId);
            String sql = stage.equals("placed")
                    ? "insert into " + schema + ".orders (order_id, placed_at, placed_tx, placed_pos)"
                            + " select u.key, u.at, u.tx::text::xid8, u.pos from " + Facts.UNNEST + " on conflict do nothing"
                    : "update " + schema + ".orders o set " + stage + "_at = u.at, " + stage + "_tx = u.tx::text::xid8, "
                            + stage + "_pos = u.pos from " + Facts.UNNEST + " where o.order_id = u.key";
            done = done.call(() -> tx.connection().preparedQuery(sql).execute(facts.tuple()));
        }
        return done;
    }

    private static String stage(Envelope<?> event) {
        return switch (event.payload()) {
            case OrderPlaced p -> "placed";
            case OrderConfirmed c -> "confirmed";
            case OrderRejected r -> "rejected";
            case OrderCancelled c -> "cancelled";
            default -> "";
        };
    }

    private static UUID orderId(Envelope<?> event) {
        return ((OrderEvent) event.payload()).orderId();
    }
}
