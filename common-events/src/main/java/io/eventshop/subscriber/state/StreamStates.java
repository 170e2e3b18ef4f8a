package io.eventshop.subscriber.state;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The only class that reads or writes {@code event_store.subscriber_streams}: how far each subscriber
 * has applied each stream. Applying an event locks the subscriber's row for its stream, so replicas
 * competing on one queue, the catch-up reader and redelivered messages serialise per stream and each
 * version is applied once, in order.
 *
 * <p>Methods taking a {@link StoreTransaction} run in the caller's transaction; the others run one
 * of their own. Nothing here blocks.
 */
public final class StreamStates {

    private static final String ENSURE_ROWS = "insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " select $1, s, 0 from unnest($2::text[]) s on conflict do nothing";
    // Sorted, so two transactions lock their rows in one order and never deadlock. A join with the array,
    // not "= any": without statistics (autovacuum off) the planner scanned every row of the subscriber for
    // "= any"; the join probes the primary key once per stream.
    private static final String LOCK_ROWS = "select s.stream_id, s.last_version, s.parked_version, s.skip_versions"
            + " from unnest($2::text[]) k(stream_id) join event_store.subscriber_streams s on s.subscriber = $1 and s.stream_id = k.stream_id"
            + " order by s.stream_id for update of s";
    // Skipped versions, once passed, are history.
    private static final String ADVANCE_ROWS = "update event_store.subscriber_streams s set last_version = v.last,"
            + " skip_versions = case when cardinality(s.skip_versions) = 0 then s.skip_versions"
            + " else array(select k from unnest(s.skip_versions) k where k > v.last) end"
            + " from unnest($2::text[], $3::int[]) v(stream_id, last) where s.subscriber = $1 and s.stream_id = v.stream_id";
    // A row made for a dead letter during a replay starts at the version the replay applied (kept in memory).
    private static final String ENSURE_ROW = "insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " values ($1, $2, $3) on conflict do nothing";
    private static final String LOCK_ROW = "select last_version, parked_version, skip_versions from event_store.subscriber_streams"
            + " where subscriber = $1 and stream_id = $2 for update";
    // A doorbell: the stream's row is made only if the store holds the named event at the named place (one
    // index probe), so a message naming nothing real leaves no trace; then the row is locked and the event read
    // in one statement.
    // ... and only while the stream's category is live for the subscriber: a replaying category keeps its state in memory,
    // and one with a rows task running (seeding, reposition) has rows not written or not moved back yet.
    private static final String LIVE_IN_CATEGORY = "exists (select 1 from event_store.subscriber_checkpoints c where c.subscriber = $1"
            + " and c.category = $5 and not c.replaying and c.rows_task is null)";
    private static final String ENSURE_ROW_IF_STORED = "insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " select $1, $2, 0 where exists (select 1 from event_store.events e where e.stream_id = $2 and e.stream_version = $3"
            + " and e.event_id = $4) and " + LIVE_IN_CATEGORY + " on conflict do nothing";
    private static final String LOCK_ROW_WITH_EVENT = "select s.last_version, s.parked_version, s.skip_versions, " + EventStore.COLUMNS
            + " from event_store.subscriber_streams s join event_store.events e on e.stream_id = s.stream_id and e.stream_version = $3"
            + " and e.event_id = $4 where s.subscriber = $1 and s.stream_id = $2 and " + LIVE_IN_CATEGORY + " for update of s";
    // A batch of doorbells of one category: the same two statements for all of them. Rows are made (in stream order)
    // only for streams whose named event the store holds there; then every named event is read with its stream's row,
    // the rows locked in stream order, so two batches (two replicas on one queue) lock in one order and never deadlock.
    // Several doorbells of one stream read several events and lock its row once.
    private static final String ENSURE_ROWS_IF_STORED = "insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " select $1, d.stream_id, 0 from (select distinct k.stream_id from unnest($2::text[], $3::int[], $4::uuid[])"
            + " k(stream_id, version, event_id) where exists (select 1 from event_store.events e where e.stream_id = k.stream_id"
            + " and e.stream_version = k.version and e.event_id = k.event_id) and " + LIVE_IN_CATEGORY + ") d"
            + " order by d.stream_id on conflict do nothing";
    private static final String LOCK_ROWS_WITH_EVENTS = "select k.ord, s.last_version, s.parked_version, s.skip_versions, "
            + EventStore.COLUMNS + " from unnest($2::text[], $3::int[], $4::uuid[]) with ordinality k(stream_id, version, event_id, ord)"
            + " join event_store.subscriber_streams s on s.subscriber = $1 and s.stream_id = k.stream_id"
            + " join event_store.events e on e.stream_id = k.stream_id and e.stream_version = k.version and e.event_id = k.event_id"
            + " where " + LIVE_IN_CATEGORY + " order by s.stream_id, k.version for update of s";
    private static final String ADVANCE_ROW = "update event_store.subscriber_streams set last_version = $3,"
            + " skip_versions = case when cardinality(skip_versions) = 0 then skip_versions"
            + " else array(select k from unnest(skip_versions) k where k > $3) end"
            + " where subscriber = $1 and stream_id = $2";
    private static final String FIND_ROW = "select last_version, parked_version, skip_versions from event_store.subscriber_streams"
            + " where subscriber = $1 and stream_id = $2";
    private static final String PARK = "update event_store.subscriber_streams set parked_version = $3"
            + " where subscriber = $1 and stream_id = $2 and parked_version is null";
    private static final String ADD_SKIP = "update event_store.subscriber_streams set skip_versions = array_append(skip_versions, $3)"
            + " where subscriber = $1 and stream_id = $2 and not ($3 = any(skip_versions))";
    // Un-parks (if parked at that version) and marks the stream for a resync; a skip also names the version to pass
    // over, unless it is passed already. Versions between the last applied and the dead-lettered one (a gap
    // repair's) are applied, not skipped.
    private static final String UNPARK = "update event_store.subscriber_streams"
            + " set parked_version = case when parked_version = $3 then null else parked_version end, resync = true,"
            + " skip_versions = case when $4::int is null or $4::int <= last_version or $4::int = any(skip_versions) then skip_versions"
            + " else array_append(skip_versions, $4::int) end"
            + " where subscriber = $1 and stream_id = $2";
    // A copy with a stream still waiting (parked, or resolved and not yet applied up to its head) is not complete.
    // Two probes of the two partial indexes (parked, resync): an "or" in one condition made the planner scan every
    // row of every subscriber (seconds per check on a store of millions of streams).
    private static final String UNFINISHED = "select exists (select 1 from event_store.subscriber_streams"
            + " where subscriber = $1 and parked_version is not null)"
            + " or exists (select 1 from event_store.subscriber_streams where subscriber = $1 and resync)";
    private static final String PENDING_RESYNCS = "select stream_id from event_store.subscriber_streams"
            + " where subscriber = $1 and resync and parked_version is null limit 100";
    // Done only when nothing waits: not parked again, and applied up to the stream's head as it is now.
    private static final String RESYNCED = "update event_store.subscriber_streams s set resync = false"
            + " where s.subscriber = $1 and s.stream_id = $2 and s.parked_version is null and s.last_version >="
            + " (select coalesce(max(e.stream_version), 0) from event_store.events e where e.stream_id = $2)";
    // Part of a new reactor's seeding at the head: the next events of the category in store order after $3:$4, up to the head
    // $5:$6, and a row for each stream whose highest version up to the head is among them (exactly one such event per
    // stream: versions may straddle in store order, so "highest" is asked of the stream, one index probe). Each stream's
    // row is written once, at its version at the head; the head never moves while seeding, so any transaction's part is
    // exact, and a second run of one (a replica resuming) changes nothing. Returns the events read, the last one's
    // position, and the rows written.
    private static final String SEED_AFTER = "with chunk as (select e.stream_id, e.stream_version, e.transaction_id, e.global_position"
            + " from event_store.events e where e.category = $2 and (e.transaction_id, e.global_position) > ($3::bigint::text::xid8, $4)"
            + " and (e.transaction_id, e.global_position) <= ($5::bigint::text::xid8, $6)"
            + " order by e.transaction_id, e.global_position limit $7),"
            + " highest as (select c.stream_id, max(c.stream_version) as version from chunk c group by c.stream_id),"
            + " seeded as (insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " select $1, h.stream_id, h.version from highest h where not exists (select 1 from event_store.events n"
            + " where n.stream_id = h.stream_id and n.stream_version > h.version"
            + " and (n.transaction_id, n.global_position) <= ($5::bigint::text::xid8, $6))"
            + " on conflict do nothing returning 1)"
            + " select (select count(*) from chunk), (select array[c.transaction_id::text::bigint, c.global_position] from chunk c"
            + " order by c.transaction_id desc, c.global_position desc limit 1), (select count(*) from seeded)";
    // A replay's end: the rows of the next streams of the category in stream id order, each at its highest version up
    // to the replay's checkpoint (what the replay applied: below it every version was read or repaired). Streams with a
    // row (parked) keep it. A range read of events_category_stream that stops after its streams.
    private static final String WRITE_REPLAYED = "with batch as (select e.stream_id, max(e.stream_version) as version"
            + " from event_store.events e where e.category = $2 and e.stream_id > $3"
            + " and (e.transaction_id, e.global_position) <= ($4::bigint::text::xid8, $5)"
            + " group by e.stream_id order by e.stream_id limit $6),"
            + " written as (insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
            + " select $1, b.stream_id, b.version from batch b on conflict do nothing)"
            + " select count(*)::int, max(stream_id) from batch";
    private static final String PARKED_IN = "select stream_id, last_version from event_store.subscriber_streams"
            + " where subscriber = $1 and parked_version is not null and stream_id like $2 || '-%'";
    // Part of a reposition: the subscriber's next rows of the category after stream $5 (in the primary key's order), each
    // stream with events after the position $3:$4 moved back to its last version at or before it (never further than it
    // was: a parked stream stays behind its dead letter). The checkpoint stays at the position meanwhile and nothing
    // applies, so a second run of one (a replica resuming) changes nothing. Returns the rows visited, the last one's stream
    // and the rows moved.
    private static final String REPOSITION_AFTER = "with batch as (select s.stream_id from event_store.subscriber_streams s"
            + " where s.subscriber = $1 and s.stream_id > $5 and s.stream_id like $2 || '-%' order by s.stream_id limit $6),"
            + " moved as (update event_store.subscriber_streams s set last_version = least(s.last_version,"
            + " coalesce((select max(b.stream_version) from event_store.events b where b.stream_id = s.stream_id"
            + " and (b.transaction_id, b.global_position) <= ($3::bigint::text::xid8, $4)), 0))"
            + " from batch where s.subscriber = $1 and s.stream_id = batch.stream_id and exists (select 1 from event_store.events a"
            + " where a.stream_id = s.stream_id and (a.transaction_id, a.global_position) > ($3::bigint::text::xid8, $4)) returning 1)"
            + " select (select count(*) from batch), (select max(b.stream_id) from batch b), (select count(*) from moved)";
    // A retired subscriber's rows, a bounded number at a time, after the last one deleted: starting from the key range's
    // beginning each time would walk every dead index entry of the batches before (quadratic until a vacuum).
    private static final String DELETE_SOME = "with batch as (select stream_id from event_store.subscriber_streams"
            + " where subscriber = $1 and stream_id > $2 order by stream_id limit $3),"
            + " gone as (delete from event_store.subscriber_streams s using batch b where s.subscriber = $1 and s.stream_id = b.stream_id"
            + " returning 1) select (select count(*) from gone)::int, (select max(b.stream_id) from batch b)";
    private static final String DELETE = "delete from event_store.subscriber_streams where subscriber = $1";

    private final EventStore store;

    public StreamStates(EventStore store) {
        this.store = store;
    }

    /** Creates the rows of {@code streams} that do not exist yet (at version 0) and locks them all, in stream order. */
    public Uni<Map<String, StreamRow>> lock(StoreTransaction tx, String subscriber, Collection<String> streams) {
        String[] sorted = streams.stream().distinct().sorted().toArray(String[]::new);
        return tx.connection().preparedQuery(ENSURE_ROWS).execute(Tuple.of(subscriber, sorted))
                .chain(() -> tx.connection().preparedQuery(LOCK_ROWS).execute(Tuple.of(subscriber, sorted)))
                .map(rows -> {
                    Map<String, StreamRow> byStream = new HashMap<>();
                    for (Row row : rows) {
                        byStream.put(row.getString(0), new StreamRow(row.getInteger(1), row.getInteger(2),
                                StreamRow.skips(row.getArrayOfIntegers(3))));
                    }
                    return byStream;
                });
    }

    /** Locks one stream's row, creating it at {@code versionIfNew} when it does not exist. */
    public Uni<StreamRow> lockOne(StoreTransaction tx, String subscriber, String stream, int versionIfNew) {
        return tx.connection().preparedQuery(ENSURE_ROW).execute(Tuple.of(subscriber, stream, versionIfNew))
                .chain(() -> tx.connection().preparedQuery(LOCK_ROW).execute(Tuple.of(subscriber, stream)))
                .map(rows -> row(rows.iterator().next()));
    }

    /** A stream's row, locked, with the event a doorbell named, read from the store. */
    public record Rung(StreamRow row, StoredEvent event) {
    }

    /**
     * For a doorbell naming event {@code eventId} at {@code version} of {@code stream}: locks the stream's row
     * (made at version 0 if new) and reads the event, in two statements. Empty, and nothing written, when the
     * store holds no such event there, or the stream's category is not live for the subscriber (it replays).
     */
    public Uni<Optional<Rung>> lockIfStoredAndLive(StoreTransaction tx, String subscriber, String stream, int version,
            UUID eventId) {
        Tuple key = Tuple.tuple(List.of(subscriber, stream, version, eventId, stream.substring(0, stream.indexOf('-'))));
        return tx.connection().preparedQuery(ENSURE_ROW_IF_STORED).execute(key)
                .chain(() -> tx.connection().preparedQuery(LOCK_ROW_WITH_EVENT).execute(key))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.<Rung>empty();
                    }
                    Row row = rows.iterator().next();
                    return Optional.of(new Rung(new StreamRow(row.getInteger(0), row.getInteger(1),
                            StreamRow.skips(row.getArrayOfIntegers(2))), EventStore.toStoredEvent(row, 3)));
                });
    }

    /**
     * For a batch of doorbells of {@code category} ({@code streams}, {@code versions} and {@code eventIds} name one event
     * each, same order): locks the rows of the streams whose named event the store holds (made at version 0 if new) and
     * reads those events, in two statements whatever the batch's size. Keyed by the doorbell's index; a doorbell whose
     * event the store does not hold there, or all of them when the category is not live for the subscriber, is absent,
     * and no row is made for it.
     */
    public Uni<Map<Integer, Rung>> lockAllIfStoredAndLive(StoreTransaction tx, String subscriber, String category, String[] streams,
            Integer[] versions, UUID[] eventIds) {
        Tuple key = Tuple.tuple(List.of(subscriber, streams, versions, eventIds, category));
        return tx.connection().preparedQuery(ENSURE_ROWS_IF_STORED).execute(key)
                .chain(() -> tx.connection().preparedQuery(LOCK_ROWS_WITH_EVENTS).execute(key))
                .map(rows -> {
                    Map<Integer, Rung> byDoorbell = new HashMap<>();
                    for (Row row : rows) {
                        byDoorbell.put(Math.toIntExact(row.getLong(0)) - 1, new Rung(new StreamRow(row.getInteger(1), row.getInteger(2),
                                StreamRow.skips(row.getArrayOfIntegers(3))), EventStore.toStoredEvent(row, 4)));
                    }
                    return byDoorbell;
                });
    }

    /** Moves one locked row to {@code version}. */
    public Uni<Void> advance(StoreTransaction tx, String subscriber, String stream, int version) {
        return tx.connection().preparedQuery(ADVANCE_ROW).execute(Tuple.of(subscriber, stream, version)).replaceWithVoid();
    }

    /** The stream's row as committed now, if it has one. */
    public Uni<Optional<StreamRow>> find(String subscriber, String stream) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(FIND_ROW).execute(Tuple.of(subscriber, stream))
                .map(rows -> rows.size() == 0 ? Optional.<StreamRow>empty() : Optional.of(row(rows.iterator().next()))));
    }

    /** Moves locked rows to the versions applied in this transaction. */
    public Uni<Void> advance(StoreTransaction tx, String subscriber, Map<String, Integer> lastVersions) {
        if (lastVersions.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] streams = lastVersions.keySet().toArray(String[]::new);
        Integer[] versions = Stream.of(streams).map(lastVersions::get).toArray(Integer[]::new);
        return tx.connection().preparedQuery(ADVANCE_ROWS).execute(Tuple.of(subscriber, streams, versions)).replaceWithVoid();
    }

    /** Parks a locked stream at {@code version} (a dead letter); a stream parked already stays at its first. */
    public Uni<Void> park(StoreTransaction tx, String subscriber, String stream, int version) {
        return tx.connection().preparedQuery(PARK).execute(Tuple.of(subscriber, stream, version)).replaceWithVoid();
    }

    /** Adds a version the stream passes over without its handler (an operator's skip, carried over). */
    public Uni<Void> skip(StoreTransaction tx, String subscriber, String stream, int version) {
        return tx.connection().preparedQuery(ADD_SKIP).execute(Tuple.of(subscriber, stream, version)).replaceWithVoid();
    }

    /** Whether any stream of {@code subscriber} waits: parked by a dead letter, or resolved and not applied up to its head yet. */
    public Uni<Boolean> unfinished(StoreTransaction tx, String subscriber) {
        return tx.connection().preparedQuery(UNFINISHED).execute(Tuple.of(subscriber)).map(rows -> rows.iterator().next().getBoolean(0));
    }

    /**
     * Un-parks a stream parked at {@code parkedVersion} and marks it for a resync; with {@code skipVersion},
     * that version is passed over (if the stream has not passed it yet). Returns whether the stream has a row.
     */
    public Uni<Boolean> unpark(StoreTransaction tx, String subscriber, String stream, int parkedVersion, Integer skipVersion) {
        return tx.connection().preparedQuery(UNPARK).execute(Tuple.of(subscriber, stream, parkedVersion, skipVersion))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Streams whose dead letter was resolved but whose waiting events may not all be applied yet. */
    public Uni<List<String>> pendingResyncs(String subscriber) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(PENDING_RESYNCS).execute(Tuple.of(subscriber))
                .map(rows -> {
                    List<String> streams = new ArrayList<>();
                    rows.forEach(row -> streams.add(row.getString(0)));
                    return streams;
                }));
    }

    /** Clears the stream's resync mark if nothing of it waits any more. */
    public Uni<Void> resynced(String subscriber, String stream) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(RESYNCED).execute(Tuple.of(subscriber, stream)))
                .replaceWithVoid();
    }

    /** What one transaction of a seeding did: events read, the last one's position (null when none), rows written. */
    public record Seeded(int read, Checkpoint last, int written) {
    }

    /**
     * Part of a new reactor's seeding at {@code head}: reads up to {@code limit} events of the category after {@code after}
     * (and not after the head), and writes the row of each stream whose version at the head is among them.
     */
    public Uni<Seeded> seedAfter(StoreTransaction tx, String subscriber, String category, Checkpoint after, Checkpoint head, int limit) {
        return tx.connection().preparedQuery(SEED_AFTER).execute(Tuple.tuple(List.of(subscriber, category, after.transactionId(),
                after.globalPosition(), head.transactionId(), head.globalPosition(), limit))).map(rows -> {
            Row row = rows.iterator().next();
            Long[] last = row.getArrayOfLongs(1);
            return new Seeded(row.getInteger(0), last == null ? null : new Checkpoint(last[0], last[1]), row.getInteger(2));
        });
    }

    /** What one transaction of a reposition did: rows visited, the last one's stream (null when none), rows moved back. */
    public record Repositioned(int visited, String last, int moved) {
    }

    /**
     * Part of a reposition to {@code to}: visits up to {@code limit} of the subscriber's rows of the category after stream
     * {@code afterStream} ("" for the first) and moves back each whose stream has events after {@code to}.
     */
    public Uni<Repositioned> repositionAfter(StoreTransaction tx, String subscriber, String category, Checkpoint to, String afterStream,
            int limit) {
        return tx.connection().preparedQuery(REPOSITION_AFTER).execute(Tuple.tuple(List.of(subscriber, category, to.transactionId(),
                to.globalPosition(), afterStream, limit))).map(rows -> {
            Row row = rows.iterator().next();
            return new Repositioned(row.getInteger(0), row.getString(1), row.getInteger(2));
        });
    }

    /** What one transaction of a retired subscriber's clean-up deleted: how many rows, and the last one's stream (null when none). */
    public record Deleted(int rows, String last) {
    }

    /** Deletes up to {@code limit} of a retired subscriber's rows after stream {@code afterStream} ("" for the first). */
    public Uni<Deleted> deleteSome(StoreTransaction tx, String subscriber, String afterStream, int limit) {
        return tx.connection().preparedQuery(DELETE_SOME).execute(Tuple.of(subscriber, afterStream, limit)).map(rows -> {
            Row row = rows.iterator().next();
            return new Deleted(row.getInteger(0), row.getString(1));
        });
    }

    /** The category's parked streams and the version each has applied. */
    public Uni<Map<String, Integer>> parkedIn(StoreTransaction tx, String subscriber, String category) {
        return tx.connection().preparedQuery(PARKED_IN).execute(Tuple.of(subscriber, category)).map(rows -> {
            Map<String, Integer> parked = new HashMap<>();
            rows.forEach(row -> parked.put(row.getString(0), row.getInteger(1)));
            return parked;
        });
    }

    /** The rows a batch of a replay's end wrote: how many streams, and the last one (null when none was left). */
    public record ReplayedRows(int streams, String last) {
    }

    /**
     * Part of a replay's end: rows for up to {@code limit} streams of {@code category} after {@code afterStream} (in
     * stream id order; "" before the first), each at its highest version up to {@code checkpoint}, where none exists yet.
     */
    public Uni<ReplayedRows> writeReplayedRows(StoreTransaction tx, String subscriber, String category, Checkpoint checkpoint,
            String afterStream, int limit) {
        return tx.connection().preparedQuery(WRITE_REPLAYED).execute(Tuple.tuple(List.of(subscriber, category, afterStream,
                        checkpoint.transactionId(), checkpoint.globalPosition(), limit)))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new ReplayedRows(row.getInteger(0), row.getString(1));
                });
    }

    // The statements over a whole category (a row per stream: millions) may outlast the pool's statement timeout,
    // which bounds every other statement; this lifts it for the rest of the transaction.
    private static Uni<Void> unbounded(StoreTransaction tx) {
        return tx.connection().query("set local statement_timeout = 0").execute().replaceWithVoid();
    }

    public Uni<Void> deleteAll(StoreTransaction tx, String subscriber) {
        return tx.connection().preparedQuery(DELETE).execute(Tuple.of(subscriber)).replaceWithVoid();
    }

    private static StreamRow row(Row row) {
        return new StreamRow(row.getInteger(0), row.getInteger(1), StreamRow.skips(row.getArrayOfIntegers(2)));
    }
}
