package io.eventshop.subscriber.deadletter;

import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.StreamStates;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * The only class that reads or writes {@code event_store.dead_letters}. Recording a dead letter parks
 * the event's stream for its subscriber in the same transaction; resolving one (redrive or skip)
 * un-parks it and marks it for a resync. A skip holds for the subscriber's whole lineage: another
 * copy of the same view that cannot apply the same event passes over it ({@link #skipDecision}).
 */
public final class DeadLetters {

    private static final String COLUMNS = "id, subscriber, lineage, event_id, stream_id, stream_version, type, reason, attempts, body,"
            + " status, first_failed_at, last_failed_at, resolved_at";
    private static final String RECORD = "insert into event_store.dead_letters"
            + " (subscriber, lineage, event_id, stream_id, stream_version, type, reason, attempts, body, status, resolved_at)"
            + " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, case when $10 = 'OPEN' then null else now() end)"
            + " on conflict (subscriber, event_id) where status = 'OPEN' and event_id is not null"
            + " do update set attempts = greatest(dead_letters.attempts, excluded.attempts), reason = excluded.reason, last_failed_at = now()"
            + " returning id, xmax = 0";
    private static final String LIST = "select " + COLUMNS + " from event_store.dead_letters"
            + " where (subscriber = any($1::text[]) or lineage = any($1::text[])) and ($2::text is null or status = $2) and id > $3"
            + " and ($5::text is null or strpos(reason, $5) > 0) order by id limit $4";
    private static final String FIND = "select " + COLUMNS + " from event_store.dead_letters where id = $1";
    private static final String LOCK = FIND + " for update";
    private static final String RESOLVE = "update event_store.dead_letters set status = $2, resolved_at = now() where id = $1";
    private static final String SKIP_DECISION = "select id from event_store.dead_letters"
            + " where lineage = $1 and event_id = $2 and status = 'SKIPPED' order by id limit 1";
    private static final String SKIPPED_HERE = "select id from event_store.dead_letters"
            + " where subscriber = $1 and event_id = $2 and status = 'SKIPPED' order by id limit 1";
    private static final String OPEN_SIBLINGS = "select " + COLUMNS + " from event_store.dead_letters"
            + " where lineage = $1 and event_id = $2 and status = 'OPEN' and id <> $3 order by id";
    // Only letters of events: an unreadable message changed nothing, so it never holds back a rebuild.
    private static final String FIRST_OPEN = "select " + COLUMNS + " from event_store.dead_letters"
            + " where subscriber = $1 and status = 'OPEN' and event_id is not null order by id limit 1";
    /** What is kept of an unreadable message: enough to see what it was, not whatever size a publisher chose. */
    static final int MAX_UNREADABLE_BODY = 64 * 1024;
    private static final String DELETE_OPEN = "delete from event_store.dead_letters where subscriber = $1 and status = 'OPEN'";

    /** A dead letter written: {@code created} false when it was open already (another path gave up on it too). */
    public record Recorded(long id, boolean created) {
    }

    /** Why a dead letter cannot be resolved now: already resolved, another letter parks its stream, or a replay runs. */
    public static final class NotResolvableException extends RuntimeException {
        NotResolvableException(String message) {
            super(message);
        }
    }

    private final EventStore store;
    private final StreamStates streams;
    private final Checkpoints checkpoints;

    public DeadLetters(EventStore store, StreamStates streams, Checkpoints checkpoints) {
        this.store = store;
        this.streams = streams;
        this.checkpoints = checkpoints;
    }

    /**
     * Dead-letters {@code event} for {@code subscriber} and parks its stream, unless the subscriber has
     * applied it meanwhile (then there is nothing to give up on).
     *
     * @param appliedIfNew the stream's applied version if it has no row yet (a replay keeps it in memory)
     * @return the dead letter, or empty when the event was applied after all
     */
    public Uni<Optional<Recorded>> park(String subscriber, String lineage, RecordedEvent event, int appliedIfNew, String reason,
            int attempts, String body) {
        return store.inTransaction(tx -> park(tx, subscriber, lineage, event, appliedIfNew, reason, attempts, body));
    }

    /** As {@link #park(String, String, RecordedEvent, int, String, int, String)}, in the caller's transaction. */
    public Uni<Optional<Recorded>> park(StoreTransaction tx, String subscriber, String lineage, RecordedEvent event, int appliedIfNew,
            String reason, int attempts, String body) {
        String stream = event.streamId().value();
        return streams.lockOne(tx, subscriber, stream, appliedIfNew).chain(row -> {
            if (row.lastVersion() >= event.streamVersion()) {
                return Uni.createFrom().item(Optional.<Recorded>empty());
            }
            return streams.park(tx, subscriber, stream, event.streamVersion())
                    .chain(() -> record(tx, subscriber, lineage, event, reason, attempts, body, DeadLetter.Status.OPEN))
                    .map(Optional::of);
        });
    }

    /**
     * The id of an operator's skip of {@code eventId} anywhere in {@code lineage} (say, on the live copy
     * of a view that is being rebuilt): that event is passed over here too, instead of parking its stream.
     */
    public Uni<Optional<Long>> skipDecision(String lineage, UUID eventId) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(SKIP_DECISION).execute(Tuple.of(lineage, eventId))
                .map(rows -> rows.size() == 0 ? Optional.<Long>empty() : Optional.of(rows.iterator().next().getLong(0))));
    }

    /**
     * Applies a carried-over skip decision here: a dead letter recorded as SKIPPED (so the hole is visible
     * in this subscriber's list too), and, for a subscriber that keeps per-stream rows, the version added
     * to its stream's skips. Recorded once per subscriber and event.
     *
     * @param rows false for a replay, which keeps its skips in memory
     */
    public Uni<Long> recordCarriedSkip(String subscriber, String lineage, RecordedEvent event, long decision, String failure,
            boolean rows, String body) {
        String reason = "skipped: dead letter " + decision + " of " + lineage + " skipped this event; here it failed too: " + failure;
        return store.inTransaction(tx -> (rows
                ? streams.lockOne(tx, subscriber, event.streamId().value(), 0)
                        .chain(row -> streams.skip(tx, subscriber, event.streamId().value(), event.streamVersion()))
                : Uni.createFrom().voidItem())
                .chain(() -> tx.connection().preparedQuery(SKIPPED_HERE).execute(Tuple.of(subscriber, event.eventId())))
                .chain(found -> found.size() > 0 ? Uni.createFrom().item(found.iterator().next().getLong(0))
                        : record(tx, subscriber, lineage, event, reason, 1, body, DeadLetter.Status.SKIPPED).map(Recorded::id)));
    }

    /** Records a message that is not an event at all; no stream to park. */
    public Uni<Recorded> recordUnreadable(String subscriber, String lineage, String reason, String body) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(RECORD)
                .execute(Tuple.tuple(Arrays.asList(subscriber, lineage, null, null, null, null, reason, 1, storable(capped(body)), "OPEN")))
                .map(ids -> recorded(ids.iterator().next())));
    }

    private Uni<Recorded> record(StoreTransaction tx, String subscriber, String lineage, RecordedEvent event, String reason, int attempts,
            String body, DeadLetter.Status status) {
        return tx.connection().preparedQuery(RECORD).execute(Tuple.tuple(List.of(subscriber, lineage, event.eventId(),
                        event.streamId().value(), event.streamVersion(), event.type(), reason, attempts, storable(body), status.name())))
                .map(ids -> recorded(ids.iterator().next()));
    }

    private static String capped(String body) {
        return body.length() <= MAX_UNREADABLE_BODY ? body
                : body.substring(0, MAX_UNREADABLE_BODY) + " [" + (body.length() - MAX_UNREADABLE_BODY) + " more characters not kept]";
    }

    // Postgres text cannot hold NUL: keep such a body readable instead of failing to record it.
    private static String storable(String body) {
        return body.indexOf('\u0000') < 0 ? body : body.replace("\u0000", "\\u0000");
    }

    private static Recorded recorded(Row row) {
        return new Recorded(row.getLong(0), row.getBoolean(1));
    }

    /**
     * Dead letters of {@code subscribers} (a name is matched as a subscriber or as a lineage), oldest first.
     *
     * @param status         null for every status
     * @param reasonContains null for any reason
     */
    public Uni<List<DeadLetter>> list(List<String> subscribers, DeadLetter.Status status, String reasonContains, long afterId, int limit) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(LIST)
                .execute(Tuple.tuple(Arrays.asList(subscribers.toArray(String[]::new), status == null ? null : status.name(), afterId, limit,
                        reasonContains)))
                .map(rows -> {
                    List<DeadLetter> letters = new ArrayList<>();
                    rows.forEach(row -> letters.add(read(row)));
                    return letters;
                }));
    }

    public Uni<Optional<DeadLetter>> find(long id) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(FIND).execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(read(rows.iterator().next()))));
    }

    /** The oldest open dead letter of an event of {@code subscriber}: what a rebuild waits for a decision on. */
    public Uni<Optional<DeadLetter>> firstOpen(String subscriber) {
        return store.inTransaction(tx -> firstOpen(tx, subscriber));
    }

    public Uni<Optional<DeadLetter>> firstOpen(StoreTransaction tx, String subscriber) {
        return tx.connection().preparedQuery(FIRST_OPEN).execute(Tuple.of(subscriber))
                .map(rows -> rows.size() == 0 ? Optional.<DeadLetter>empty() : Optional.of(read(rows.iterator().next())));
    }

    /**
     * Marks an open dead letter redriven or skipped, un-parks its stream and marks it for a resync; a skip
     * also records the version to pass over without its handler, and resolves the same event's open dead
     * letters in other copies of the lineage the same way (their subscribers finish the resync). The caller
     * then applies the stream's waiting events through the normal path.
     *
     * @return the letters resolved, the requested one first
     * @throws NotResolvableException (as the Uni's failure) when it was already resolved, another dead letter parks
     *         its stream, or the stream's category is still replaying
     */
    public Uni<List<DeadLetter>> resolve(DeadLetter letter, DeadLetter.Status outcome) {
        return store.inTransaction(tx -> resolve(tx, letter, outcome).chain(resolved -> {
            if (outcome != DeadLetter.Status.SKIPPED || resolved.eventId() == null) {
                return Uni.createFrom().item(List.of(resolved));
            }
            return tx.connection().preparedQuery(OPEN_SIBLINGS).execute(Tuple.of(resolved.lineage(), resolved.eventId(), resolved.id()))
                    .chain(rows -> {
                        List<DeadLetter> siblings = new ArrayList<>();
                        rows.forEach(row -> siblings.add(read(row)));
                        return Multi.createFrom().iterable(siblings)
                                .onItem().transformToUniAndConcatenate(sibling -> resolve(tx, sibling, outcome)
                                        .onFailure(NotResolvableException.class).recoverWithNull())
                                .collect().asList()
                                .map(more -> {
                                    List<DeadLetter> all = new ArrayList<>();
                                    all.add(resolved);
                                    more.stream().filter(Objects::nonNull).forEach(all::add);
                                    return all;
                                });
                    });
        }));
    }

    // The stream's row first, then the letter: the order park() takes them in, so the two never deadlock.
    private Uni<DeadLetter> resolve(StoreTransaction tx, DeadLetter letter, DeadLetter.Status outcome) {
        return notReplaying(tx, letter)
                .chain(() -> letter.streamId() == null ? Uni.createFrom().<Integer>nullItem()
                        : streams.lockOne(tx, letter.subscriber(), letter.streamId(), 0).map(row -> row.parkedVersion()))
                .chain(parkedAt -> tx.connection().preparedQuery(LOCK).execute(Tuple.of(letter.id())).map(rows -> {
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
                .chain(current -> (current.streamId() == null ? Uni.createFrom().item(true)
                        : streams.unpark(tx, current.subscriber(), current.streamId(), current.streamVersion(),
                                outcome == DeadLetter.Status.SKIPPED ? current.streamVersion() : null))
                        .chain(() -> tx.connection().preparedQuery(RESOLVE).execute(Tuple.of(current.id(), outcome.name())))
                        .chain(() -> tx.connection().preparedQuery(FIND).execute(Tuple.of(current.id())))
                        .map(after -> read(after.iterator().next())));
    }

    // A replaying category keeps its stream state in memory: a resolution waits for the replay's end.
    private Uni<Void> notReplaying(StoreTransaction tx, DeadLetter letter) {
        if (letter.streamId() == null) {
            return Uni.createFrom().voidItem();
        }
        String category = StreamId.parse(letter.streamId()).category();
        return checkpoints.find(tx, letter.subscriber(), category).invoke(position -> {
            if (position.isPresent() && position.get().replaying()) {
                throw new NotResolvableException(letter.subscriber() + " is still replaying category " + category
                        + "; resolve dead letter " + letter.id() + " when the replay has finished (its progress: GET /admin/subscribers/"
                        + letter.lineage() + ")");
            }
        }).replaceWithVoid();
    }

    /** Deletes a retired subscriber's open dead letters; resolved ones stay, as the lineage's history of decisions. */
    public Uni<Void> deleteOpen(StoreTransaction tx, String subscriber) {
        return tx.connection().preparedQuery(DELETE_OPEN).execute(Tuple.of(subscriber)).replaceWithVoid();
    }

    private static DeadLetter read(Row row) {
        return new DeadLetter(row.getLong("id"), row.getString("subscriber"), row.getString("lineage"), row.getUUID("event_id"),
                row.getString("stream_id"), row.getInteger("stream_version"), row.getString("type"), row.getString("reason"),
                row.getInteger("attempts"), row.getString("body"), DeadLetter.Status.valueOf(row.getString("status")),
                instant(row.getOffsetDateTime("first_failed_at")), instant(row.getOffsetDateTime("last_failed_at")),
                instant(row.getOffsetDateTime("resolved_at")));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
