package io.eventshop.subscriber;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a subscriber's catch-up reader is in each category it reads ({@code event_store.subscriber_checkpoints}).
 *
 * <p>A new view starts before the first event in replay mode ({@link Replay}): it fills itself from
 * the store alone, then writes its per-stream rows once and goes live. A new reactor starts at the
 * head, and every stream that exists then counts as applied up to its current version, so the gap
 * repair of a later event never reaches back into history the reactor must not act on.
 */
final class SubscriberCheckpoints {

    /** A category's checkpoint, and whether the subscriber is still replaying it. */
    record Position(Checkpoint checkpoint, boolean replaying) {
    }

    private static final String LOAD = "select transaction_id::text::bigint, global_position, replaying"
            + " from event_store.subscriber_checkpoints where subscriber = $1 and category = $2";
    private static final String LOCK = LOAD + " for update";
    private static final String INSERT = "insert into event_store.subscriber_checkpoints"
            + " (subscriber, category, transaction_id, global_position, replaying)"
            + " values ($1, $2, $3::bigint::text::xid8, $4, $5) on conflict do nothing";
    // Forward only: two replicas' catch-up readers may both apply a page; neither moves the other back.
    private static final String SAVE = "update event_store.subscriber_checkpoints set transaction_id = $3::bigint::text::xid8,"
            + " global_position = $4, updated_at = now() where subscriber = $1 and category = $2"
            + " and (transaction_id, global_position) < ($3::bigint::text::xid8, $4)";
    // A replay page also counts the events it read: progress that adds up across replicas taking turns.
    private static final String SAVE_REPLAYED = SAVE.replace("updated_at = now()", "updated_at = now(), replayed = replayed + $5");
    // Replicas starting together: one initialises, the others find its rows.
    private static final String SERIALISE = "select pg_advisory_xact_lock(hashtext('eventshop.subscriber'), hashtext($1))";
    private static final String SEED_STREAMS = "insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " select $1, e.stream_id, max(e.stream_version) from event_store.events e where e.category = $2"
            + " group by e.stream_id on conflict do nothing";
    // What a replay has applied up to its checkpoint: every stream's highest version read so far (a gap
    // repair only ever fills versions below one that was read). Parked streams keep their own rows.
    private static final String REPLAYED = "select e.stream_id, max(e.stream_version) from event_store.events e"
            + " where e.category = $2 and (e.transaction_id, e.global_position) <= ($3::bigint::text::xid8, $4)"
            + " and not exists (select 1 from event_store.subscriber_streams s where s.subscriber = $1 and s.stream_id = e.stream_id)"
            + " group by e.stream_id";
    private static final String PARKED = "select stream_id, last_version, parked_version from event_store.subscriber_streams"
            + " where subscriber = $1 and parked_version is not null and stream_id like $2 || '-%'";
    private static final String FINISH_SEED = "insert into event_store.subscriber_streams (subscriber, stream_id, last_version) "
            + REPLAYED.replace("select e.stream_id,", "select $1, e.stream_id,") + " on conflict do nothing";
    private static final String FINISH = "update event_store.subscriber_checkpoints set replaying = false, updated_at = now()"
            + " where subscriber = $1 and category = $2";

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
        return load(tx, category, false).chain(existing -> {
            if (existing.isPresent()) {
                return Uni.createFrom().item(false);
            }
            if (subscription.kind() == Subscription.Kind.VIEW) {
                return insert(tx, category, Checkpoint.START, true).replaceWith(true);
            }
            return tx.connection().preparedQuery(SEED_STREAMS).execute(Tuple.of(subscription.name(), category))
                    .chain(() -> insert(tx, category, head, false)).replaceWith(true);
        });
    }

    /** The category's checkpoint; empty when it has none (never initialised, or retired). */
    Uni<Optional<Position>> find(String category) {
        return store.inTransaction(tx -> load(tx, category, false));
    }

    Uni<Position> load(String category) {
        return store.inTransaction(tx -> load(tx, category, false))
                .map(found -> found.orElse(new Position(Checkpoint.START, false)));
    }

    /** Locks the category's checkpoint row for the rest of {@code tx}: replay pages run one at a time across replicas. */
    Uni<Position> lock(StoreTransaction tx, String category) {
        return load(tx, category, true).map(found -> found.orElseThrow(
                () -> new IllegalStateException(subscription.name() + " has no checkpoint for " + category)));
    }

    Uni<Void> save(StoreTransaction tx, String category, Checkpoint checkpoint) {
        return tx.connection().preparedQuery(SAVE)
                .execute(Tuple.of(subscription.name(), category, checkpoint.transactionId(), checkpoint.globalPosition()))
                .replaceWithVoid();
    }

    Uni<Void> saveReplayed(StoreTransaction tx, String category, Checkpoint checkpoint, int events) {
        return tx.connection().preparedQuery(SAVE_REPLAYED)
                .execute(Tuple.of(subscription.name(), category, checkpoint.transactionId(), checkpoint.globalPosition(), events))
                .replaceWithVoid();
    }

    /** The in-memory state of a replay that reached {@code checkpoint}: rebuilt from the store, so a restart resumes exactly. */
    Uni<Replay> replayState(String category, Checkpoint checkpoint) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(REPLAYED)
                .execute(Tuple.of(subscription.name(), category, checkpoint.transactionId(), checkpoint.globalPosition()))
                .chain(replayed -> tx.connection().preparedQuery(PARKED).execute(Tuple.of(subscription.name(), category))
                        .map(parked -> {
                            Map<String, Integer> versions = new HashMap<>();
                            replayed.forEach(row -> versions.put(row.getString(0), row.getInteger(1)));
                            Set<String> parkedStreams = new HashSet<>();
                            for (Row row : parked) {
                                versions.put(row.getString(0), row.getInteger(1));
                                parkedStreams.add(row.getString(0));
                            }
                            return new Replay(versions, parkedStreams);
                        })));
    }

    /** Ends a replay: every stream's row, written once, and the live path may start. */
    Uni<Void> finishReplay(String category, Checkpoint checkpoint) {
        return store.inTransaction(tx -> lock(tx, category).chain(position -> {
            if (!position.replaying()) {
                return Uni.createFrom().voidItem(); // another replica finished it
            }
            Checkpoint at = position.checkpoint();
            return tx.connection().preparedQuery(FINISH_SEED)
                    .execute(Tuple.of(subscription.name(), category, at.transactionId(), at.globalPosition()))
                    .chain(() -> tx.connection().preparedQuery(FINISH).execute(Tuple.of(subscription.name(), category)))
                    .replaceWithVoid();
        }));
    }

    private Uni<Optional<Position>> load(StoreTransaction tx, String category, boolean forUpdate) {
        return tx.connection().preparedQuery(forUpdate ? LOCK : LOAD).execute(Tuple.of(subscription.name(), category)).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row row = rows.iterator().next();
            return Optional.of(new Position(new Checkpoint(row.getLong(0), row.getLong(1)), row.getBoolean(2)));
        });
    }

    private Uni<Void> insert(StoreTransaction tx, String category, Checkpoint at, boolean replaying) {
        return tx.connection().preparedQuery(INSERT)
                .execute(Tuple.of(subscription.name(), category, at.transactionId(), at.globalPosition(), replaying))
                .replaceWithVoid();
    }
}
