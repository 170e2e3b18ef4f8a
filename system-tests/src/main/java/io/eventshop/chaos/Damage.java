package io.eventshop.chaos;

import io.eventshop.analytics.Reference;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Each invariant shown failing (DECISIONS 13): a check that cannot fail proves nothing. After a run whose checks all
 * held, each runs again on the run's own data broken precisely for it and must fail with a figure naming the damage,
 * then hold again once the damage is undone. The store is broken inside a transaction that is rolled back; what
 * analytics-service answers over HTTP (which no open transaction reaches) and the ledger are broken in a copy.
 */
final class Damage {

    /** One invariant shown failing: the damage, what the failing figure must name, the check on the damage and after it. */
    record Shown(String damage, String named, Invariants.Check broken, Invariants.Check undone) {

        boolean convincing() {
            return !broken.holds() && broken.figure().contains(named) && undone.holds();
        }

        @Override
        public String toString() {
            return damage + "\n    " + broken + "\n    undone: " + undone;
        }
    }

    /** A check of the run, on whichever view of the store it is given. */
    private interface Check {
        Invariants.Check on(Invariants store) throws Exception;
    }

    /**
     * A damage to the store: {@code sql} breaks it and returns the damaged row's name; {@code damage} and {@code named}
     * turn that name into what was done and into what the failing figure must name.
     */
    private record InStore(String sql, Function<String, String> damage, Function<String, String> named, Check check) {
    }

    private Damage() {
    }

    static List<Shown> showEach(Invariants invariants, Ledger ledger, PlantedMessages planted, List<PositionWatch.Sample> samples,
            List<FaultInjector.Injected> faults, Reference.Answers live, Reference.Answers rebuilt) throws Exception {
        String[] funnel = live.funnel().getFirst().split("\\|"); // placed|confirmed|rejected|cancelled
        List<InStore> damages = List.of(
                new InStore("delete from event_store.events where type = 'io.eventshop.order.placed'"
                        + " and stream_id = 'order-" + ledger.placed().getFirst().orderId() + "' returning substring(stream_id from 7)",
                        order -> "the OrderPlaced of acknowledged order " + order + " deleted", order -> "1 lost (e.g. [" + order + "])",
                        store -> store.noLostOrders(ledger.placed())),
                new InStore("delete from event_store.events where category = 'order' and type <> 'io.eventshop.order.placed' and stream_id ="
                        + " (select min(stream_id) from event_store.events where category = 'order' and type = 'io.eventshop.order.confirmed')"
                        + " returning stream_id",
                        stream -> stream + "'s decision deleted: the stream ends at OrderPlaced", stream -> "PENDING=1",
                        Invariants::everyOrderDecided),
                new InStore("update inventory.products set reserved = reserved + 1"
                        + " where sku = (select min(sku) from inventory.products where reserved < on_hand) returning sku",
                        sku -> sku + "'s reserved units bumped by 1", sku -> sku + " row on hand/reserved", Invariants::stockConserved),
                new InStore("update event_store.subscriber_streams set last_version = last_version - 1 where (subscriber, stream_id) ="
                        + " (select s.subscriber, s.stream_id from event_store.subscriber_streams s join event_store.subscriber_checkpoints c"
                        + " on c.subscriber = s.subscriber and s.stream_id like c.category || '-%' where not exists (select 1 from"
                        + " event_store.view_generations g where c.subscriber = g.view || '.g' || g.generation and g.role <> 'LIVE')"
                        + " order by 1, 2 limit 1) returning subscriber",
                        subscriber -> subscriber + "'s version of its first stream set one back", subscriber -> subscriber + " (",
                        Invariants::subscribersLevel),
                new InStore("update event_store.relay_checkpoints r set (transaction_id, global_position) = (select transaction_id,"
                        + " global_position from event_store.events e where e.category = r.category"
                        + " order by transaction_id desc, global_position desc offset 1 limit 1) where category = 'order' returning category",
                        category -> "the " + category + " relay's checkpoint moved back one event", category -> "[" + category + " at ",
                        Invariants::relaysAtHead),
                new InStore("insert into event_store.dead_letters (subscriber, reason, attempts, body, lineage) values"
                        + " ('orders.shown-failing', 'shown failing', 1, '{\"unplanned\": true}', 'orders.shown-failing') returning subscriber",
                        subscriber -> "an unplanned dead letter of " + subscriber + " inserted", subscriber -> "1 other dead letters",
                        store -> store.onlyPlantedDeadLetters(planted)),
                new InStore("update event_store.events set transaction_id = pg_current_xact_id() where global_position ="
                        + " (select min(global_position) from event_store.events where category = 'order' and type = 'io.eventshop.order.placed')"
                        + " returning stream_id",
                        stream -> stream + "'s OrderPlaced moved to a later transaction, after the stream's other events",
                        stream -> "2 events out of version order", store -> store.orderingRule(samples)),
                new InStore("delete from event_store.events where global_position = (select min(global_position) from event_store.events e"
                        + " where category = 'order' and type = 'io.eventshop.order.confirmed' and not exists (select 1 from event_store.events c"
                        + " where c.stream_id = e.stream_id and c.type = 'io.eventshop.order.cancelled')) returning stream_id",
                        stream -> stream + "'s OrderConfirmed deleted: the views count a confirmation the store does not hold",
                        stream -> "funnel=[" + funnel[0] + "|" + (Long.parseLong(funnel[1]) - 1) + "|" + funnel[2] + "|" + funnel[3] + "]",
                        store -> store.viewsEqualReference(live)));
        List<Shown> shown = new ArrayList<>();
        try (Connection db = invariants.connect()) {
            try (Statement sql = db.createStatement()) {
                // The replicas are still up: a row one of them holds is waited for a while, not for ever. Set outside
                // the damages' transactions, which roll back (and would take the setting with them).
                sql.execute("set lock_timeout = '10s'");
            }
            db.setAutoCommit(false);
            Invariants damaged = Invariants.within(db);
            for (InStore damage : damages) {
                String row;
                try (Statement sql = db.createStatement(); ResultSet rows = sql.executeQuery(damage.sql())) {
                    if (!rows.next()) {
                        throw new IllegalStateException("a damage that found nothing to break: " + damage.sql());
                    }
                    row = rows.getString(1);
                }
                Invariants.Check broken = damage.check().on(damaged);
                db.rollback();
                shown.add(new Shown(damage.damage().apply(row), damage.named().apply(row), broken, damage.check().on(invariants)));
            }
        }
        List<String> sales = new ArrayList<>(live.sales());
        String[] row = sales.getFirst().split("\\|"); // sku|name|currency|units|amount|orders
        row[3] = Long.toString(Long.parseLong(row[3]) + 1);
        sales.set(0, String.join("|", row));
        Reference.Answers altered = new Reference.Answers(sales, live.funnel(), live.rejectionsByReason(), live.rejectionsBySku(), live.revenueByDay());
        shown.add(new Shown("the live sales row " + live.sales().getFirst() + " answered as " + sales.getFirst(), sales.getFirst(),
                invariants.viewsEqualRebuild(altered, rebuilt), invariants.viewsEqualRebuild(live, rebuilt)));
        faults.stream().filter(f -> f.kind() == FaultKind.ROLLING_RESTART).findFirst().ifPresent(rollout -> {
            Ledger failing = new Ledger();
            ledger.requests().forEach(failing::record);
            failing.record(new Ledger.Request(Ledger.Operation.PLACE, "faults", rollout.at(), rollout.at(), 503, 1, "shown failing"));
            shown.add(new Shown("a placement answered 503 at the start of the rolling restart of " + rollout.target() + " added to the ledger",
                    "1 failed", Invariants.noFailureInRollingRestarts(faults, failing), Invariants.noFailureInRollingRestarts(faults, ledger)));
        });
        return shown;
    }
}
