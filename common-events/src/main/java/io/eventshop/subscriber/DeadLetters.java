package io.eventshop.subscriber;

import io.eventshop.store.EventStore;
import io.eventshop.store.RecordedEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Dead letters in Postgres ({@code event_store.dead_letters}): recording one parks the event's stream
 * for its subscriber in the same transaction; resolving one (redrive or skip) un-parks it.
 */
final class DeadLetters {

    private static final String COLUMNS = "id, subscriber, event_id, stream_id, stream_version, type, reason, attempts, body,"
            + " status, first_failed_at, last_failed_at, resolved_at";
    private static final String PARK = "update event_store.subscriber_streams set parked_version = $3"
            + " where subscriber = $1 and stream_id = $2";
    private static final String RECORD = "insert into event_store.dead_letters"
            + " (subscriber, event_id, stream_id, stream_version, type, reason, attempts, body) values ($1, $2, $3, $4, $5, $6, $7, $8)"
            + " on conflict (subscriber, event_id) where status = 'OPEN' and event_id is not null"
            + " do update set attempts = greatest(dead_letters.attempts, excluded.attempts), reason = excluded.reason, last_failed_at = now()"
            + " returning id, xmax = 0";
    private static final String LIST = "select " + COLUMNS + " from event_store.dead_letters"
            + " where subscriber = any($1::text[]) and ($2::text is null or status = $2) and id > $3 order by id limit $4";
    private static final String FIND = "select " + COLUMNS + " from event_store.dead_letters where id = $1";
    private static final String LOCK_LETTER = "select " + COLUMNS + " from event_store.dead_letters where id = $1 for update";
    private static final String RESOLVE = "update event_store.dead_letters set status = $2, resolved_at = now() where id = $1";
    // Un-parks and marks the stream for a resync; a skip also names the version to pass over. Versions
    // between the last applied and the dead-lettered one (a gap repair's) are applied, not skipped.
    private static final String UNPARK = "update event_store.subscriber_streams"
            + " set parked_version = null, resync = true,"
            + " skip_versions = case when $4::int is null then skip_versions else array_append(skip_versions, $4::int) end"
            + " where subscriber = $1 and stream_id = $2 and parked_version = $3";
    // A replaying category keeps its stream state in memory: a resolution must wait for the replay's end.
    private static final String REPLAYING = "select replaying from event_store.subscriber_checkpoints"
            + " where subscriber = $1 and category = $2 for share";
    private static final String PENDING_RESYNCS = "select stream_id from event_store.subscriber_streams"
            + " where subscriber = $1 and resync and parked_version is null limit 100";
    // Done only when nothing waits: not parked again, and applied up to the stream's head as it is now.
    private static final String RESYNCED = "update event_store.subscriber_streams s set resync = false"
            + " where s.subscriber = $1 and s.stream_id = $2 and s.parked_version is null and s.last_version >="
            + " (select coalesce(max(e.stream_version), 0) from event_store.events e where e.stream_id = $2)";

    /** A dead letter written: {@code created} false when it was already open (another path gave up on it too). */
    record Recorded(long id, boolean created) {
    }

    /** Why a dead letter cannot be resolved now: already resolved, another letter parks its stream, or a replay runs. */
    static final class NotResolvableException extends RuntimeException {
        NotResolvableException(String message) {
            super(message);
        }
    }

    private final EventStore store;

    DeadLetters(EventStore store) {
        this.store = store;
    }

    /**
     * Dead-letters {@code event} for {@code subscriber} and parks its stream, unless the subscriber has
     * applied it meanwhile (then there is nothing to give up on).
     *
     * @param applied the version of the stream applied so far, for a stream without a row yet (a replay keeps it in memory)
     *
     * @return the dead letter, or empty when the event was applied after all
     */
    Uni<Optional<Recorded>> park(String subscriber, RecordedEvent event, int applied, String reason, int attempts, String body) {
        Tuple key = Tuple.of(subscriber, event.streamId().value());
        return store.inTransaction(tx -> tx.connection().preparedQuery(StreamApplier.ENSURE_ROW)
                .execute(Tuple.of(subscriber, event.streamId().value(), applied))
                .chain(() -> tx.connection().preparedQuery(StreamApplier.LOCK_ROW).execute(key))
                .chain(rows -> {
                    Row row = rows.iterator().next();
                    if (row.getInteger(0) >= event.streamVersion()) {
                        return Uni.createFrom().item(Optional.<Recorded>empty());
                    }
                    Uni<?> park = row.getInteger(1) == null
                            ? tx.connection().preparedQuery(PARK).execute(Tuple.of(subscriber, event.streamId().value(), event.streamVersion()))
                            : Uni.createFrom().voidItem();
                    return park.chain(() -> tx.connection().preparedQuery(RECORD).execute(Tuple.tuple(List.of(
                                    subscriber, event.eventId(), event.streamId().value(), event.streamVersion(), event.type(),
                                    reason, attempts, body))))
                            .map(ids -> Optional.of(recorded(ids.iterator().next())));
                }));
    }

    /** Records a message that is not an event at all; no stream to park (the store's copy, if any, is applied by catch-up). */
    Uni<Recorded> recordUnreadable(String subscriber, String reason, String body) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(RECORD)
                .execute(Tuple.tuple(Arrays.asList(subscriber, null, null, null, null, reason, 1, storable(body))))
                .map(ids -> recorded(ids.iterator().next())));
    }

    // Postgres text cannot hold NUL: keep such a body readable instead of failing to record it.
    private static String storable(String body) {
        return body.indexOf('\u0000') < 0 ? body : body.replace("\u0000", "\\u0000");
    }

    private static Recorded recorded(Row row) {
        return new Recorded(row.getLong(0), row.getBoolean(1));
    }

    Uni<List<DeadLetter>> list(List<String> subscribers, DeadLetter.Status status, long afterId, int limit) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(LIST)
                .execute(Tuple.of(subscribers.toArray(String[]::new), status == null ? null : status.name(), afterId, limit))
                .map(rows -> {
                    List<DeadLetter> letters = new ArrayList<>();
                    rows.forEach(row -> letters.add(read(row)));
                    return letters;
                }));
    }

    Uni<Optional<DeadLetter>> find(long id) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(FIND).execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(read(rows.iterator().next()))));
    }

    /**
     * Marks an open dead letter redriven or skipped, un-parks its stream and marks it for a resync;
     * a skip also records the version to pass over without its handler. The caller then applies the
     * stream's waiting events through the normal path.
     *
     * @throws NotResolvableException (as the Uni's failure) when it was already resolved, another dead letter parks
     *         its stream, or the stream's category is still replaying
     */
    Uni<DeadLetter> resolve(DeadLetter letter, DeadLetter.Status outcome) {
        // The stream's row first, then the letter: the order park() takes them in, so the two never deadlock.
        return store.inTransaction(tx -> notReplaying(tx, letter)
                .chain(() -> lockStream(tx, letter))
                .chain(parkedAt -> tx.connection().preparedQuery(LOCK_LETTER).execute(Tuple.of(letter.id())).map(rows -> {
                    DeadLetter current = read(rows.iterator().next());
                    if (current.status() != DeadLetter.Status.OPEN) {
                        throw new NotResolvableException("dead letter " + current.id() + " is already "
                                + current.status().name().toLowerCase());
                    }
                    if (parkedAt != null && !parkedAt.equals(current.streamVersion())) {
                        throw new NotResolvableException("stream " + current.streamId() + " is parked at version " + parkedAt
                                + " by another dead letter; resolve that one first");
                    }
                    return current;
                }))
                .chain(current -> {
                    Uni<?> unpark = current.streamId() == null ? Uni.createFrom().voidItem()
                            : tx.connection().preparedQuery(UNPARK).execute(Tuple.of(current.subscriber(), current.streamId(),
                                    current.streamVersion(), outcome == DeadLetter.Status.SKIPPED ? current.streamVersion() : null));
                    return unpark.chain(() -> tx.connection().preparedQuery(RESOLVE).execute(Tuple.of(current.id(), outcome.name())))
                            .chain(() -> tx.connection().preparedQuery(FIND).execute(Tuple.of(current.id())))
                            .map(after -> read(after.iterator().next()));
                }));
    }

    private static Uni<Void> notReplaying(io.eventshop.store.StoreTransaction tx, DeadLetter letter) {
        if (letter.streamId() == null) {
            return Uni.createFrom().voidItem();
        }
        String category = io.eventshop.events.StreamId.parse(letter.streamId()).category();
        return tx.connection().preparedQuery(REPLAYING).execute(Tuple.of(letter.subscriber(), category)).invoke(rows -> {
            if (rows.size() > 0 && rows.iterator().next().getBoolean(0)) {
                throw new NotResolvableException(letter.subscriber() + " is still replaying category " + category
                        + "; resolve dead letter " + letter.id() + " when the replay has finished");
            }
        }).replaceWithVoid();
    }

    // The version the stream is parked at now (null: not parked).
    private static Uni<Integer> lockStream(io.eventshop.store.StoreTransaction tx, DeadLetter letter) {
        return letter.streamId() == null ? Uni.createFrom().nullItem()
                : tx.connection().preparedQuery(StreamApplier.LOCK_ROW).execute(Tuple.of(letter.subscriber(), letter.streamId()))
                        .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getInteger(1));
    }

    /** Streams whose dead letter was resolved but whose waiting events are not all applied yet. */
    Uni<List<String>> pendingResyncs(String subscriber) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(PENDING_RESYNCS).execute(Tuple.of(subscriber))
                .map(rows -> {
                    List<String> streams = new ArrayList<>();
                    rows.forEach(row -> streams.add(row.getString(0)));
                    return streams;
                }));
    }

    /** Clears the stream's resync mark if nothing of it waits any more. */
    Uni<Void> resynced(String subscriber, String stream) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(RESYNCED).execute(Tuple.of(subscriber, stream)))
                .replaceWithVoid();
    }

    private static DeadLetter read(Row row) {
        return new DeadLetter(row.getLong("id"), row.getString("subscriber"), row.getUUID("event_id"), row.getString("stream_id"),
                row.getInteger("stream_version"), row.getString("type"), row.getString("reason"), row.getInteger("attempts"),
                row.getString("body"), DeadLetter.Status.valueOf(row.getString("status")),
                instant(row.getOffsetDateTime("first_failed_at")), instant(row.getOffsetDateTime("last_failed_at")),
                instant(row.getOffsetDateTime("resolved_at")));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
