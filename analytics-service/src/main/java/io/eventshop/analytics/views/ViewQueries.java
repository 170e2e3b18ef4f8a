package io.eventshop.analytics.views;

import io.eventshop.analytics.timetravel.AsOf;
import io.eventshop.problem.ProblemException;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.runtime.SubscriberRuntime;
import io.eventshop.view.Generation;
import io.eventshop.view.Views;
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
 * answer it: the view is kept here (404), its live copy finished filling itself and is of this
 * replica's definition (503 otherwise: no half-built answers), and for {@code asOf} a store position,
 * that the position is settled and the view has applied everything up to it (409 otherwise: ask again
 * in a moment).
 */
@ApplicationScoped
public class ViewQueries {

    private final EventStore store;
    private final Views views;
    private final SubscriberRuntime subscribers;

    ViewQueries(EventStore store, Views views, SubscriberRuntime subscribers) {
        this.store = store;
        this.views = views;
        this.subscribers = subscribers;
    }

    /** {@code sql} takes {@code asOf}'s parameters first, then {@code more}. */
    public <T> Uni<T> ask(String view, AsOf asOf, String sql, List<Object> more, Function<RowSet<Row>, T> answer) {
        List<Object> params = new ArrayList<>(asOf.params());
        params.addAll(more);
        return store.inTransaction(tx -> views.read(tx, view, live -> check(tx, view, live, asOf)
                .chain(() -> tx.connection().preparedQuery(sql).execute(Tuple.from(params)).map(answer))));
    }

    private Uni<Void> check(StoreTransaction tx, String view, Generation live, AsOf asOf) {
        if (!(asOf instanceof AsOf.AtPosition at)) {
            return Uni.createFrom().voidItem();
        }
        return subscribers.appliedUpTo(tx, live.subscriber(), at.position()).map(applied -> {
            if (!applied.settled()) {
                throw ProblemException.conflict(at.position() + " is not settled in the store yet (a transaction before it"
                        + " may still commit); ask again in a moment");
            }
            if (!applied.applied()) {
                throw ProblemException.conflict("the view " + view + " has not applied the store up to " + at.position()
                        + " yet; ask again in a moment");
            }
            return null;
        }).replaceWithVoid();
    }
}
