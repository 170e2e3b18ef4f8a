package io.eventshop.analytics.rejections;

import io.eventshop.analytics.views.AnalyticsView;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderRejected;
import io.eventshop.events.reservation.LineRejection;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Envelope;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;

/** Why orders were rejected: one row per rejected line (reason, sku, requested, available), from OrderRejected. */
@ApplicationScoped
public class RejectionsView extends AnalyticsView {

    public static final String NAME = "analytics.rejections";

    public RejectionsView() {
        super("rejections", 1, List.of(OrderEvent.CATEGORY),
                List.of(OrderRejected.class),
                List.of("lines"));
    }

    @Override
    public List<String> createTables(String schema) {
        return List.of("create table " + schema + ".lines (order_id uuid not null, sku text not null, reason text not null,"
                + " requested int not null, available int not null, at timestamptz not null, tx xid8 not null, pos bigint not null,"
                + " primary key (order_id, sku))");
    }

    @Override
    public Uni<Void> apply(StoreTransaction tx, String schema, List<Envelope<?>> events) {
        List<Object[]> rows = new ArrayList<>();
        for (Envelope<?> event : events) {
            if (event.payload() instanceof OrderRejected rejected) {
                Checkpoint at = event.position();
                for (LineRejection line : rejected.rejections()) {
                    rows.add(new Object[] {rejected.orderId(), line.sku(), line.reason().name(), line.requested(), line.available(),
                            event.occurredAt().atOffset(ZoneOffset.UTC), at.transactionId(), at.globalPosition()});
                }
            }
        }
        if (rows.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.connection().preparedQuery("insert into " + schema + ".lines (order_id, sku, reason, requested, available, at, tx, pos)"
                        + " select o, s, r, q, a, t, x::text::xid8, p from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[],"
                        + " $6::timestamptz[], $7::bigint[], $8::bigint[]) u(o, s, r, q, a, t, x, p) on conflict do nothing")
                .execute(Tuple.from(List.of(column(rows, 0, UUID[]::new), column(rows, 1, String[]::new), column(rows, 2, String[]::new),
                        column(rows, 3, Integer[]::new), column(rows, 4, Integer[]::new), column(rows, 5, OffsetDateTime[]::new),
                        column(rows, 6, Long[]::new), column(rows, 7, Long[]::new))))
                .replaceWithVoid();
    }

    @SuppressWarnings("unchecked")
    private static <T> T[] column(List<Object[]> rows, int index, IntFunction<T[]> array) {
        T[] values = array.apply(rows.size());
        for (int i = 0; i < values.length; i++) {
            values[i] = (T) rows.get(i)[index];
        }
        return values;
    }
}
