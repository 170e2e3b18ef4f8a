package io.eventshop.subscriber;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where a subscriber's catch-up reader is in each category it reads ({@code event_store.subscriber_checkpoints}).
 * A new view starts before the first event; a new reactor starts at the head, and every stream that
 * exists then counts as applied up to its current version, so the gap repair of a later event never
 * reaches back into history the reactor must not act on.
 */
final class SubscriberCheckpoints {

    private static final String LOAD = "select transaction_id::text::bigint, global_position from event_store.subscriber_checkpoints"
            + " where subscriber = $1 and category = $2";
    private static final String INSERT = "insert into event_store.subscriber_checkpoints (subscriber, category, transaction_id, global_position)"
            + " values ($1, $2, $3::bigint::text::xid8, $4) on conflict do nothing";
    // Forward only: two replicas' catch-up readers may both apply a page; neither moves the other back.
    private static final String SAVE = "update event_store.subscriber_checkpoints set transaction_id = $3::bigint::text::xid8,"
            + " global_position = $4, updated_at = now() where subscriber = $1 and category = $2"
            + " and (transaction_id, global_position) < ($3::bigint::text::xid8, $4)";
    // Replicas starting together: one initialises, the others find its rows.
    private static final String SERIALISE = "select pg_advisory_xact_lock(hashtext('eventshop.subscriber'), hashtext($1))";
    private static final String SEED_STREAMS = "insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " select $1, e.stream_id, max(e.stream_version) from event_store.events e where e.category = $2"
            + " group by e.stream_id on conflict do nothing";

    private final EventStore store;
    private final Subscription subscription;

    SubscriberCheckpoints(EventStore store, Subscription subscription) {
        this.store = store;
        this.subscription = subscription;
    }

    /** Creates the checkpoint of each category the subscriber has none for yet; returns how many were new. */
    Uni<Integer> initialize() {
        return store.head().chain(head -> store.inTransaction(tx -> tx.connection().preparedQuery(SERIALISE)
                .execute(Tuple.of(subscription.name()))
                .chain(() -> Multi.createFrom().iterable(subscription.categories())
                        .onItem().transformToUniAndConcatenate(category -> initialize(tx, category, head))
                        .collect().with(Collectors.summingInt(created -> created ? 1 : 0)))));
    }

    private Uni<Boolean> initialize(StoreTransaction tx, String category, Checkpoint head) {
        return load(tx, category).chain(existing -> {
            if (existing.isPresent()) {
                return Uni.createFrom().item(false);
            }
            if (subscription.kind() == Subscription.Kind.VIEW) {
                return insert(tx, category, Checkpoint.START).replaceWith(true);
            }
            return tx.connection().preparedQuery(SEED_STREAMS).execute(Tuple.of(subscription.name(), category))
                    .chain(() -> insert(tx, category, head)).replaceWith(true);
        });
    }

    Uni<Checkpoint> load(String category) {
        return store.inTransaction(tx -> load(tx, category)).map(found -> found.orElse(Checkpoint.START));
    }

    Uni<Void> save(StoreTransaction tx, String category, Checkpoint checkpoint) {
        return tx.connection().preparedQuery(SAVE)
                .execute(Tuple.of(subscription.name(), category, checkpoint.transactionId(), checkpoint.globalPosition()))
                .replaceWithVoid();
    }

    private Uni<Optional<Checkpoint>> load(StoreTransaction tx, String category) {
        return tx.connection().preparedQuery(LOAD).execute(Tuple.of(subscription.name(), category)).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row row = rows.iterator().next();
            return Optional.of(new Checkpoint(row.getLong(0), row.getLong(1)));
        });
    }

    private Uni<Void> insert(StoreTransaction tx, String category, Checkpoint at) {
        return tx.connection().preparedQuery(INSERT)
                .execute(Tuple.of(subscription.name(), category, at.transactionId(), at.globalPosition()))
                .replaceWithVoid();
    }
}
