package io.eventshop.subscriber;

import io.eventshop.store.EventStore;
import io.eventshop.store.RecordedEvent;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.List;

/**
 * The subscriber protocol for one event (DESIGN.md, Subscribers): in one transaction, lock the
 * subscriber's row for the event's stream, then skip a duplicate, or repair a gap from the store
 * and apply the missing versions first, run the handler, advance the row, commit. Whatever the
 * broker does (duplicates, reordering, loss) and however many replicas or catch-up readers race,
 * the handler sees each version of a stream exactly once and in order.
 */
public final class StreamApplier {

    private static final String ENSURE_ROW = "insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " values ($1, $2, 0) on conflict do nothing";
    private static final String LOCK_ROW = "select last_version from event_store.subscriber_streams"
            + " where subscriber = $1 and stream_id = $2 for update";
    private static final String ADVANCE = "update event_store.subscriber_streams set last_version = $3"
            + " where subscriber = $1 and stream_id = $2";

    /** What applying one event did. */
    public record Outcome(int applied, boolean duplicate, int repaired) {
    }

    private final EventStore store;
    private final String subscriber;
    private final EventHandler handler;

    public StreamApplier(EventStore store, String subscriber, EventHandler handler) {
        this.store = store;
        this.subscriber = subscriber;
        this.handler = handler;
    }

    /** Applies {@code event} (and any versions of its stream missing before it) in one transaction. */
    public Uni<Outcome> apply(RecordedEvent event) {
        return store.inTransaction(tx -> lock(tx, event).flatMap(last -> switch (StreamGuard.decide(last, event.streamVersion())) {
            case StreamGuard.Duplicate duplicate -> Uni.createFrom().item(new Outcome(0, true, 0));
            case StreamGuard.Apply next -> handleInOrder(tx, List.of(event)).replaceWith(new Outcome(1, false, 0));
            case StreamGuard.RepairGap gap -> missing(event, gap)
                    .flatMap(repairs -> handleInOrder(tx, append(repairs, event))
                            .replaceWith(new Outcome(repairs.size() + 1, false, repairs.size())));
        }));
    }

    private Uni<Integer> lock(StoreTransaction tx, RecordedEvent event) {
        Tuple key = Tuple.of(subscriber, event.streamId().value());
        return tx.connection().preparedQuery(ENSURE_ROW).execute(key)
                .chain(() -> tx.connection().preparedQuery(LOCK_ROW).execute(key))
                .map(rows -> rows.iterator().next().getInteger(0));
    }

    // The versions between the last applied and the incoming one, committed in the store before it.
    private Uni<List<RecordedEvent>> missing(RecordedEvent event, StreamGuard.RepairGap gap) {
        return store.readStream(event.streamId(), gap.fromVersion())
                .select().first(gap.toVersion() - gap.fromVersion() + 1)
                .map(StoredEvent::event)
                .collect().asList()
                .invoke(found -> {
                    if (found.size() != gap.toVersion() - gap.fromVersion() + 1) {
                        throw new IllegalStateException(event.streamId() + " lacks versions " + gap.fromVersion() + ".."
                                + gap.toVersion() + " in the store, but version " + event.streamVersion() + " arrived");
                    }
                });
    }

    // One after another, each version after the previous one's handler finished; then advance once.
    private Uni<Void> handleInOrder(StoreTransaction tx, List<RecordedEvent> events) {
        return Multi.createFrom().iterable(events)
                .onItem().transformToUniAndConcatenate(event -> handler.handle(tx, event))
                .collect().last()
                .chain(() -> tx.connection().preparedQuery(ADVANCE)
                        .execute(Tuple.of(subscriber, events.getLast().streamId().value(), events.getLast().streamVersion())))
                .replaceWithVoid();
    }

    private static List<RecordedEvent> append(List<RecordedEvent> first, RecordedEvent last) {
        return java.util.stream.Stream.concat(first.stream(), java.util.stream.Stream.of(last)).toList();
    }
}
