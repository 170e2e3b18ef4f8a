package io.eventshop.subscriber.state;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The only class that reads or writes {@code event_store.subscriber_checkpoints}: where each
 * subscriber's reader stands in each category ({@link Position}), and what follows from it (lag, "has
 * it applied the store up to here?"). A page of catch-up or replay locks its category's row and checks
 * that it is still where the reader thinks it is, so replicas take turns and a reposition in between
 * is never overwritten.
 */
public final class Checkpoints {

    // A partitioned replay counts its pages in its partitions' rows until they are merged into this one.
    private static final String COLUMNS = "category, transaction_id::text::bigint, global_position, replaying, finishing,"
            + " replayed + coalesce((select sum(p.replayed) from event_store.subscriber_replay_partitions p"
            + " where p.subscriber = subscriber_checkpoints.subscriber and p.category = subscriber_checkpoints.category), 0)::bigint,"
            + " rows_task, rows_cursor, rows_done";
    private static final String FIND = "select " + COLUMNS + " from event_store.subscriber_checkpoints where subscriber = $1 and category = $2";
    private static final String LOCK = FIND + " for update";
    private static final String ALL = "select " + COLUMNS + " from event_store.subscriber_checkpoints where subscriber = $1 order by category";
    private static final String LOCK_ALL = "select subscriber, " + COLUMNS + " from event_store.subscriber_checkpoints"
            + " where subscriber = any($1::text[]) order by subscriber, category for update";
    private static final String CREATE = "insert into event_store.subscriber_checkpoints"
            + " (subscriber, category, transaction_id, global_position, replaying)"
            + " values ($1, $2, $3::bigint::text::xid8, $4, $5) on conflict do nothing";
    private static final String SAVE = "update event_store.subscriber_checkpoints set transaction_id = $3::bigint::text::xid8,"
            + " global_position = $4, replayed = replayed + $5, updated_at = now() where subscriber = $1 and category = $2";
    private static final String SAVE_REPLAY = "update event_store.subscriber_checkpoints set transaction_id = $3::bigint::text::xid8,"
            + " global_position = $4, replayed = replayed + $5, replay_overtaken = coalesce($6::text::jsonb, replay_overtaken),"
            + " updated_at = now() where subscriber = $1 and category = $2";
    private static final String REPLAY_NOTES = "select replay_overtaken::text, finish_after from event_store.subscriber_checkpoints"
            + " where subscriber = $1 and category = $2";
    private static final String FINISHED_UP_TO = "update event_store.subscriber_checkpoints set finish_after = $3, updated_at = now()"
            + " where subscriber = $1 and category = $2";
    private static final String START_FINISHING = "update event_store.subscriber_checkpoints set finishing = true, updated_at = now()"
            + " where subscriber = $1 and category = $2";
    private static final String FINISH_REPLAY = "update event_store.subscriber_checkpoints set replaying = false, finishing = false,"
            + " replay_overtaken = '[]', finish_after = null, updated_at = now() where subscriber = $1 and category = $2";
    private static final String CREATE_SEEDING = "insert into event_store.subscriber_checkpoints"
            + " (subscriber, category, transaction_id, global_position, replaying, rows_task, rows_done)"
            + " values ($1, $2, $3::bigint::text::xid8, $4, false, 'SEEDING', 0) on conflict do nothing";
    private static final String START_REPOSITIONING = "update event_store.subscriber_checkpoints set transaction_id = $3::bigint::text::xid8,"
            + " global_position = $4, rows_task = 'REPOSITIONING', rows_cursor = null, rows_done = 0, updated_at = now()"
            + " where subscriber = $1 and category = $2";
    private static final String ROWS_PROGRESS = "update event_store.subscriber_checkpoints set rows_cursor = $3, rows_done = rows_done + $4,"
            + " updated_at = now() where subscriber = $1 and category = $2";
    private static final String ROWS_FINISHED = "update event_store.subscriber_checkpoints set rows_task = null, rows_cursor = null,"
            + " rows_done = rows_done + $3, updated_at = now() where subscriber = $1 and category = $2 returning rows_done";
    private static final String ROWS_DONE = "select rows_done from event_store.subscriber_checkpoints where subscriber = $1 and category = $2";
    // Subscribers starting together on several replicas: one initialises, the others find its rows.
    private static final String SERIALISE = "select pg_advisory_xact_lock(hashtext('eventshop.subscriber'), hashtext($1))";
    private static final String DELETE = "delete from event_store.subscriber_checkpoints where subscriber = $1";
    private static final String NAMED_LIKE = "select distinct subscriber from event_store.subscriber_checkpoints where subscriber like $1";
    /** Lag counts stop here: counting a rebuild's millions on every status call would cost more than it tells. */
    public static final int LAG_COUNT_CAP = 1_000_000;
    // The checkpoint comes as parameters, not from a join: only a comparison with values is an index condition, and
    // with the join Postgres read the whole category for every status call (2.9 s over 5 M events, found by the
    // rebuild benchmark polling the status).
    private static final String LAG = "select count(*), min(occurred_at) from (select e.occurred_at from event_store.events e"
            + " where e.category = $1 and (e.transaction_id, e.global_position) > ($2::bigint::text::xid8, $3)"
            + " and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) limit " + LAG_COUNT_CAP + ") waiting";
    // Settled: below the horizon, so no transaction can still commit an event at or before it. Applied: no
    // event of the subscriber's categories lies between its checkpoints and the position.
    // A checkpoint passes dead-lettered events and the later events of their streams: those streams are not applied
    // up to a position they have events before, until their dead letter is resolved and they are resynced.
    // Lateral, with a limit: so each checkpoint bounds an index scan of its category; as a plain join Postgres scanned
    // the store from its start up to the position (4.8 s for an asOf in the middle of 5 M events).
    private static final String APPLIED_UP_TO = "select $2::bigint::text::xid8 < pg_snapshot_xmin(pg_current_snapshot()),"
            + " not exists (select 1 from event_store.subscriber_checkpoints c, lateral (select 1 from event_store.events e"
            + " where e.category = c.category and (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)"
            + " and (e.transaction_id, e.global_position) <= ($2::bigint::text::xid8, $3) limit 1) after where c.subscriber = $1)"
            + " and not exists (select 1 from (select stream_id, last_version from event_store.subscriber_streams"
            + " where subscriber = $1 and parked_version is not null union all select stream_id, last_version"
            + " from event_store.subscriber_streams where subscriber = $1 and resync) s"
            + " where exists (select 1 from event_store.events e where e.stream_id = s.stream_id"
            + " and e.stream_version > s.last_version and (e.transaction_id, e.global_position) <= ($2::bigint::text::xid8, $3)))";
    // Where a reposition to a time puts a category: just before its first event (in store order) that
    // happened at or after the time; empty when there is none yet.
    private static final String FIRST_AT_OR_AFTER = "select e.transaction_id::text::bigint, e.global_position from event_store.events e"
            + " where e.category = $1 and e.occurred_at >= $2 and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())"
            + " order by e.transaction_id, e.global_position limit 1";

    /** Events after a checkpoint (counted up to {@link #LAG_COUNT_CAP}) and the age of the oldest, 0 when none. */
    public record Lag(long events, double seconds) {
        public static final Lag NONE = new Lag(0, 0);
    }

    /** Whether a store position is settled (below the horizon) and applied by a subscriber. */
    public record Applied(boolean settled, boolean applied) {
    }

    private final EventStore store;

    public Checkpoints(EventStore store) {
        this.store = store;
    }

    /** Serialises the first start of {@code subscriber} across replicas, for the rest of {@code tx}. */
    public Uni<Void> serialiseInitialisation(StoreTransaction tx, String subscriber) {
        return tx.connection().preparedQuery(SERIALISE).execute(Tuple.of(subscriber)).replaceWithVoid();
    }

    public Uni<Optional<Position>> find(StoreTransaction tx, String subscriber, String category) {
        return tx.connection().preparedQuery(FIND).execute(Tuple.of(subscriber, category)).map(Checkpoints::first);
    }

    /** The category's position as committed now; empty when it has none (never initialised, or retired). */
    public Uni<Optional<Position>> find(String subscriber, String category) {
        return store.inTransaction(tx -> find(tx, subscriber, category));
    }

    /** Locks the category's row for the rest of {@code tx}; empty when it has none. */
    public Uni<Optional<Position>> lock(StoreTransaction tx, String subscriber, String category) {
        return tx.connection().preparedQuery(LOCK).execute(Tuple.of(subscriber, category)).map(Checkpoints::first);
    }

    public Uni<List<Position>> all(String subscriber) {
        return store.inTransaction(tx -> all(tx, subscriber));
    }

    public Uni<List<Position>> all(StoreTransaction tx, String subscriber) {
        return tx.connection().preparedQuery(ALL).execute(Tuple.of(subscriber)).map(Checkpoints::positions);
    }

    /** Every category row of {@code subscribers}, locked in one order (subscriber, category). */
    public Uni<List<SubscriberPosition>> lockAll(StoreTransaction tx, List<String> subscribers) {
        return tx.connection().preparedQuery(LOCK_ALL).execute(Tuple.of(subscribers.toArray(String[]::new))).map(rows -> {
            List<SubscriberPosition> found = new ArrayList<>();
            for (Row row : rows) {
                found.add(new SubscriberPosition(row.getString(0), position(row, 1)));
            }
            return found;
        });
    }

    /** A position with the subscriber it belongs to. */
    public record SubscriberPosition(String subscriber, Position position) {
    }

    /** Creates the category's row at {@code at}; false when it existed. */
    public Uni<Boolean> create(StoreTransaction tx, String subscriber, String category, Checkpoint at, boolean replaying) {
        return tx.connection().preparedQuery(CREATE)
                .execute(Tuple.of(subscriber, category, at.transactionId(), at.globalPosition(), replaying))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * Creates the category's row at {@code head} for a new reactor, its checkpoint frozen there until its seeding
     * ({@link RowsTask.Kind#SEEDING}) has written every stream's row; false when it existed.
     */
    public Uni<Boolean> createSeeding(StoreTransaction tx, String subscriber, String category, Checkpoint head) {
        return tx.connection().preparedQuery(CREATE_SEEDING)
                .execute(Tuple.of(subscriber, category, head.transactionId(), head.globalPosition()))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * Moves a category's checkpoint back to {@code to} and freezes it there until a reposition ({@link
     * RowsTask.Kind#REPOSITIONING}) has moved every stream's row back. Call it with the row locked ({@link #lock}).
     */
    public Uni<Void> startRepositioning(StoreTransaction tx, String subscriber, String category, Checkpoint to) {
        return tx.connection().preparedQuery(START_REPOSITIONING)
                .execute(Tuple.of(subscriber, category, to.transactionId(), to.globalPosition())).replaceWithVoid();
    }

    /** A rows task's transaction did {@code rows} more rows; the next goes on after {@code cursor}. Call it with the row locked. */
    public Uni<Void> rowsProgress(StoreTransaction tx, String subscriber, String category, String cursor, long rows) {
        return tx.connection().preparedQuery(ROWS_PROGRESS).execute(Tuple.of(subscriber, category, cursor, rows)).replaceWithVoid();
    }

    /** Ends a rows task with its last {@code rows}: the category applies again. Returns the task's rows in all. Call it with the row locked. */
    public Uni<Long> rowsFinished(StoreTransaction tx, String subscriber, String category, long rows) {
        return tx.connection().preparedQuery(ROWS_FINISHED).execute(Tuple.of(subscriber, category, rows))
                .map(found -> found.iterator().next().getLong(0));
    }

    /** The rows the category's last (or running) rows task wrote or moved, as committed now; 0 when it has none. */
    public Uni<Long> rowsDone(String subscriber, String category) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(ROWS_DONE).execute(Tuple.of(subscriber, category))
                .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0)));
    }

    /**
     * Moves a category's checkpoint to {@code to} (forward after a page, or back for a reposition) and adds
     * {@code replayed} to its replay count. Call it with the row locked ({@link #lock}).
     */
    public Uni<Void> save(StoreTransaction tx, String subscriber, String category, Checkpoint to, int replayed) {
        return tx.connection().preparedQuery(SAVE)
                .execute(Tuple.of(subscriber, category, to.transactionId(), to.globalPosition(), replayed))
                .replaceWithVoid();
    }

    /**
     * A replay page's end: as {@link #save}, with what the replay must remember past it ({@code overtaken}, stored
     * form; null keeps what is stored). Call it with the row locked.
     */
    public Uni<Void> saveReplay(StoreTransaction tx, String subscriber, String category, Checkpoint to, long replayed, String overtaken) {
        return tx.connection().preparedQuery(SAVE_REPLAY)
                .execute(Tuple.tuple(Arrays.asList(subscriber, category, to.transactionId(), to.globalPosition(), replayed,
                        overtaken)))
                .replaceWithVoid();
    }

    /** What a replay committed besides its checkpoint: the streams it applied out of store order, and how far its finish got. */
    public record ReplayNotes(String overtaken, String finishedAfter) {
    }

    public Uni<ReplayNotes> replayNotes(StoreTransaction tx, String subscriber, String category) {
        return tx.connection().preparedQuery(REPLAY_NOTES).execute(Tuple.of(subscriber, category)).map(rows -> rows.size() == 0
                ? new ReplayNotes("[]", null) : new ReplayNotes(rows.iterator().next().getString(0), rows.iterator().next().getString(1)));
    }

    /** The finish of a replay wrote the rows of every stream up to {@code streamId}. Call it with the row locked. */
    public Uni<Void> finishedUpTo(StoreTransaction tx, String subscriber, String category, String streamId) {
        return tx.connection().preparedQuery(FINISHED_UP_TO).execute(Tuple.of(subscriber, category, streamId)).replaceWithVoid();
    }

    /** Freezes a replay that reached the head while it writes its stream rows. Call it with the row locked ({@link #lock}). */
    public Uni<Void> startFinishing(StoreTransaction tx, String subscriber, String category) {
        return tx.connection().preparedQuery(START_FINISHING).execute(Tuple.of(subscriber, category)).replaceWithVoid();
    }

    /** Ends a replay: the category goes live. */
    public Uni<Void> finishReplay(StoreTransaction tx, String subscriber, String category) {
        return tx.connection().preparedQuery(FINISH_REPLAY).execute(Tuple.of(subscriber, category)).replaceWithVoid();
    }

    public Uni<Void> deleteAll(StoreTransaction tx, String subscriber) {
        return tx.connection().preparedQuery(DELETE).execute(Tuple.of(subscriber)).replaceWithVoid();
    }

    /** Subscribers with checkpoints whose name starts with {@code prefix}: what a lost registry left behind. */
    public Uni<List<String>> subscribersStartingWith(StoreTransaction tx, String prefix) {
        String like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
        return tx.connection().preparedQuery(NAMED_LIKE).execute(Tuple.of(like)).map(rows -> {
            List<String> names = new ArrayList<>();
            rows.forEach(row -> names.add(row.getString(0)));
            return names;
        });
    }

    /** How far a subscriber whose checkpoint in {@code category} is {@code checkpoint} is behind the store, measured now. */
    public Uni<Lag> lag(String category, Checkpoint checkpoint) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(LAG)
                .execute(Tuple.of(category, checkpoint.transactionId(), checkpoint.globalPosition())).map(rows -> {
            Row row = rows.iterator().next();
            OffsetDateTime oldest = row.getOffsetDateTime(1);
            double seconds = oldest == null ? 0 : Math.max(0, Duration.between(oldest.toInstant(), Instant.now()).toMillis() / 1000.0);
            return new Lag(row.getLong(0), seconds);
        }));
    }

    /** Whether {@code position} is settled in the store and {@code subscriber} has applied everything up to it. */
    public Uni<Applied> appliedUpTo(StoreTransaction tx, String subscriber, Checkpoint position) {
        return tx.connection().preparedQuery(APPLIED_UP_TO)
                .execute(Tuple.of(subscriber, position.transactionId(), position.globalPosition()))
                .map(rows -> new Applied(rows.iterator().next().getBoolean(0), rows.iterator().next().getBoolean(1)));
    }

    /** The checkpoint just before the category's first event that happened at or after {@code time}; empty when none has. */
    public Uni<Optional<Checkpoint>> justBefore(StoreTransaction tx, String category, Instant time) {
        return tx.connection().preparedQuery(FIRST_AT_OR_AFTER).execute(Tuple.of(category, time.atOffset(ZoneOffset.UTC)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row row = rows.iterator().next();
                    // Every event before it in the store's order is at or before (tx, pos - 1); it is not.
                    return Optional.of(new Checkpoint(row.getLong(0), row.getLong(1) - 1));
                });
    }

    private static Optional<Position> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(positions(rows).getFirst());
    }

    private static List<Position> positions(RowSet<Row> rows) {
        List<Position> found = new ArrayList<>();
        for (Row row : rows) {
            found.add(position(row, 0));
        }
        return found;
    }

    // The columns of COLUMNS, from index {@code at} of the row.
    private static Position position(Row row, int at) {
        String task = row.getString(at + 6);
        RowsTask rows = task == null ? null : new RowsTask(RowsTask.Kind.valueOf(task), row.getString(at + 7), row.getLong(at + 8));
        return new Position(row.getString(at), new Checkpoint(row.getLong(at + 1), row.getLong(at + 2)), row.getBoolean(at + 3),
                row.getBoolean(at + 4), row.getLong(at + 5), rows);
    }
}
