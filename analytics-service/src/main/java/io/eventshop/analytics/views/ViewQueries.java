package io.eventshop.analytics.views;

import io.eventshop.analytics.timetravel.AsOf;
import io.eventshop.problem.ProblemException;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs a question against a view's live copy, in one transaction, after checking that the view can
 * answer it: the view is enabled here (404), has a live copy of this replica's definition that finished
 * filling itself (503 otherwise: no half-built answers), and for {@code asOf} a store position, that
 * the position is settled and the view has applied everything up to it (409 otherwise: ask again in a
 * moment).
 */
@ApplicationScoped
public class ViewQueries {

    private static final String LIVE = "select g.generation, g.ready, g.definition_version from analytics.view_generations g"
            + " where g.view = $1 and g.role = 'LIVE'";
    // Settled: below the horizon, so no transaction can still commit an event at or before it. Applied:
    // no event of the view's categories lies between the live copy's checkpoint and the position.
    private static final String APPLIED_UP_TO = "select $2::bigint::text::xid8 < pg_snapshot_xmin(pg_current_snapshot()),"
            + " not exists (select 1 from event_store.subscriber_checkpoints c join event_store.events e on e.category = c.category"
            + " and (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)"
            + " and (e.transaction_id, e.global_position) <= ($2::bigint::text::xid8, $3) where c.subscriber = $1)";

    private final EventStore store;
    private final ViewSupervisor supervisor;

    ViewQueries(EventStore store, ViewSupervisor supervisor) {
        this.store = store;
        this.supervisor = supervisor;
    }

    /** {@code sql} takes {@code asOf}'s parameters first, then {@code more}. */
    public <T> Uni<T> ask(String view, AsOf asOf, String sql, List<Object> more, Function<RowSet<Row>, T> answer) {
        List<Object> params = new ArrayList<>(asOf.params());
        params.addAll(more);
        return store.inTransaction(tx -> check(tx, view, asOf)
                .chain(() -> tx.connection().preparedQuery(sql).execute(Tuple.from(params)).map(answer)));
    }

    private Uni<Void> check(StoreTransaction tx, String view, AsOf asOf) {
        int version = supervisor.view(view).map(AnalyticsView::version).orElse(-1);
        if (version < 0) {
            return Uni.createFrom().failure(ProblemException.notFound("the analytics view " + view
                    + " is not enabled in this service (eventshop.analytics.views)"));
        }
        return tx.connection().preparedQuery(LIVE).execute(Tuple.of(view)).chain(rows -> {
            if (rows.size() > 0 && rows.iterator().next().getInteger(2) != version) {
                // A rolling upgrade: the live copy was built by another release's definition of the view.
                return Uni.createFrom().failure(new ProblemException(503, "view-version", "View not ready",
                        "the analytics view " + view + " is kept in definition version " + rows.iterator().next().getInteger(2)
                                + " and this replica answers for version " + version + "; ask again in a moment", List.of()));
            }
            if (rows.size() == 0 || !rows.iterator().next().getBoolean(1)) {
                return Uni.createFrom().failure(new ProblemException(503, "view-filling", "View not ready",
                        "the analytics view " + view + " is filling itself from the store; ask again in a moment"
                                + " (progress: GET /admin/subscribers)", List.of()));
            }
            if (!(asOf instanceof AsOf.AtPosition at)) {
                return Uni.createFrom().voidItem();
            }
            String subscriber = Generation.subscriber(view, rows.iterator().next().getInteger(0));
            return tx.connection().preparedQuery(APPLIED_UP_TO)
                    .execute(Tuple.of(subscriber, at.position().transactionId(), at.position().globalPosition()))
                    .map(applied -> {
                        Row row = applied.iterator().next();
                        if (!row.getBoolean(0)) {
                            throw ProblemException.conflict(at.position() + " is not settled in the store yet (a transaction before it"
                                    + " may still commit); ask again in a moment");
                        }
                        if (!row.getBoolean(1)) {
                            throw ProblemException.conflict("the analytics view " + view + " has not applied the store up to "
                                    + at.position() + " yet; ask again in a moment");
                        }
                        return null;
                    })
                    .replaceWithVoid();
        });
    }
}
