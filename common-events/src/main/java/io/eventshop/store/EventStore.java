package io.eventshop.store;

import com.fasterxml.jackson.core.JsonGenerator;
import io.eventshop.events.NewEvent;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.codec.EventCodec;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * The event store: one Postgres table ({@code event_store.events}), appended to in the caller's
 * transaction and read in one total order.
 *
 * <h2>The ordering rule</h2>
 * Identity values are handed out at insert time but become visible at commit time, so a reader
 * that asks for {@code global_position > checkpoint} silently skips an event whose transaction
 * commits after a later-numbered one. Every read of all events or of a category therefore walks
 * {@code (transaction_id, global_position)} and returns only rows with
 * {@code transaction_id < pg_snapshot_xmin(pg_current_snapshot())}: every transaction below that
 * horizon has finished, so that prefix of the order never changes again. An open transaction
 * delays readers; it can never make them skip. Per-stream reads need no horizon: a stream's
 * versions are gapless and assigned under a per-stream lock.
 *
 * <h2>Threads</h2>
 * Every method returns a lazy {@link Uni} or {@link Multi} that runs on the Vert.x event loop of
 * the pool; nothing blocks. Instances are thread-safe.
 */
public final class EventStore {

    private static final String APPEND =
            "select global_position, transaction_id, stream_version from event_store.append_events($1, $2, $3, $4::text::json, $5)";
    // The same call as a Hibernate Reactive native query. The events go in as text: a parameter the
    // server sees as json would make the driver send a Java String as a JSON string literal.
    private static final String APPEND_NATIVE = "select global_position, transaction_id, stream_version"
            + " from event_store.append_events(:stream, :category, cast(:expected as int), cast(cast(:events as text) as json), :notify)";

    // Columns are qualified with the table alias throughout: an output column keeps the name of the
    // column it casts, so a bare "order by transaction_id" would sort by the bigint cast and turn
    // every page into a full scan and sort instead of an index walk (caught by the benchmark).
    /**
     * An event's columns as {@link #toStoredEvent} reads them, qualified with the alias {@code e}: for a statement
     * of another owner that reads an event together with its own rows in one round trip.
     */
    public static final String COLUMNS = "e.transaction_id::text::bigint, e.global_position, e.event_id, e.stream_id,"
            + " e.stream_version, e.type, e.schema_version, e.data::text, e.metadata::text, e.occurred_at";
    private static final String BELOW_HORIZON = "e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())";
    private static final String AFTER_CHECKPOINT = "(e.transaction_id, e.global_position) > ($1::bigint::text::xid8, $2)";
    private static final String IN_STORE_ORDER = " order by e.transaction_id, e.global_position limit $3";
    private static final String READ_ALL = "select " + COLUMNS + " from event_store.events e"
            + " where " + AFTER_CHECKPOINT + " and " + BELOW_HORIZON + IN_STORE_ORDER;
    private static final String READ_CATEGORY = "select " + COLUMNS + " from event_store.events e"
            + " where e.category = $4 and " + AFTER_CHECKPOINT + " and " + BELOW_HORIZON + IN_STORE_ORDER;
    // A partition of a category's streams, up to a bound below the horizon: the category's index range in store order,
    // filtered. The filter is a CASE so that the planner estimates it as half the rows: as `f(stream_id) = $8` it took
    // 0.5% of them (its default for an expression), found the page's limit out of reach, and scanned and sorted the
    // whole range for every page (141 ms a page over 100,000 events; over 5 M, a parallel plan per page).
    private static final String READ_PARTITION = "select " + COLUMNS + " from event_store.events e"
            + " where e.category = $4 and " + AFTER_CHECKPOINT + " and (e.transaction_id, e.global_position) <= ($5::bigint::text::xid8, $6)"
            + " and case when event_store.stream_partition(e.stream_id, $7) = $8 then true end" + IN_STORE_ORDER;
    private static final String COUNT_BETWEEN = "select count(*) from (select 1 from event_store.events e where e.category = $4 and "
            + AFTER_CHECKPOINT + " and (e.transaction_id, e.global_position) <= ($5::bigint::text::xid8, $6)"
            + " order by e.transaction_id, e.global_position limit $3) counted"; // ordered: an index range, as ANY_AFTER
    private static final String READ_STREAM = "select " + COLUMNS + " from event_store.events e"
            + " where e.stream_id = $1 and e.stream_version >= $2 order by e.stream_version limit $3";
    // In store order with a limit, not `exists (...)`: Postgres' generic plan for that (the one a prepared statement
    // settles on after five runs) was a sequential scan, 1.2 s over 2 M events for a category with nothing after the
    // checkpoint, on every probe of a relay that had caught up; ordered, it stays an index probe (0.08 ms).
    private static final String ANY_AFTER = "select 1 from event_store.events e where e.category = $3 and " + AFTER_CHECKPOINT
            + " order by e.transaction_id, e.global_position limit 1";
    private static final String HEAD = "select e.transaction_id::text::bigint, e.global_position from event_store.events e"
            + " where " + BELOW_HORIZON + " order by e.transaction_id desc, e.global_position desc limit 1";
    private static final String COUNT = "select count(*) from event_store.events e where e.category = any($1::text[])";
    private static final String STREAM_VERSION =
            "select coalesce(max(stream_version), 0) from event_store.events where stream_id = $1";

    private static final String CONFLICT_STATE = "ES409";
    private static final String UNIQUE_VIOLATION = "23505";

    private final Pool pool;
    private final StoreOptions options;
    private final StoreMetrics metrics;
    private final List<Consumer<Set<String>>> commitListeners = new CopyOnWriteArrayList<>();

    public EventStore(Pool pool, StoreOptions options, StoreMetrics metrics) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.options = Objects.requireNonNull(options, "options");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * Runs {@code work} in one database transaction and commits it if the work's {@code Uni}
     * succeeds, rolls it back if it fails. Make the state change on
     * {@link StoreTransaction#connection()} and append with {@link #append}: both commit or neither.
     */
    public <T> Uni<T> inTransaction(Function<StoreTransaction, Uni<T>> work) {
        return pool.withTransaction(connection -> {
                    StoreTransaction tx = new StoreTransaction(connection);
                    return work.apply(tx).map(result -> new Committed<>(result, tx));
                })
                .invoke(committed -> {
                    Map<String, Integer> appended = committed.tx().appendedByCategory();
                    if (!appended.isEmpty()) {
                        metrics.appended(appended);
                        commitListeners.forEach(listener -> listener.accept(appended.keySet()));
                    }
                    committed.tx().afterCommitActions().forEach(Runnable::run);
                })
                .map(Committed::result);
    }

    /**
     * Calls {@code listener} with the categories appended to after each commit of
     * {@link #inTransaction}: the in-process doorbell that wakes this process's relay without
     * NOTIFY. It runs on the event loop: it must return at once and never block.
     */
    public void onCommit(Consumer<Set<String>> listener) {
        commitListeners.add(listener);
    }

    /**
     * Appends {@code events}, in order, to {@code stream} inside {@code tx}.
     *
     * @return the stored events with their versions and positions, in order. Their positions become
     *         readable by {@link #readAll} once {@code tx} commits and no older transaction is open.
     * @throws StreamVersionConflictException (as the Uni's failure) when the stream is not at
     *         {@code expected}; the transaction is then aborted
     * @throws IllegalArgumentException (as the Uni's failure) when {@code events} is empty, an event id is already
     *         stored, or an event's source is not a URI reference
     */
    public Uni<List<StoredEvent>> append(StoreTransaction tx, StreamId stream, ExpectedVersion expected, List<NewEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().failure(new IllegalArgumentException("nothing to append to " + stream));
        }
        String json;
        try {
            json = toJson(events);
        } catch (IllegalArgumentException invalid) {
            return Uni.createFrom().failure(invalid);
        }
        Tuple args = Tuple.of(stream.value(), stream.category(), expectedVersion(expected), json, options.notifyOnAppend());
        return tx.connection().preparedQuery(APPEND).execute(args)
                .map(rows -> {
                    List<Object[]> appended = new ArrayList<>(events.size());
                    rows.forEach(row -> appended.add(new Object[] {row.getLong(0), row.getString(1), row.getInteger(2)}));
                    return stored(stream, events, appended);
                })
                .invoke(stored -> tx.recordAppended(stream.category(), stored.size()))
                .onFailure(PgException.class).recoverWithUni(failure -> appendFailure(DatabaseError.of(failure), stream, expected));
    }

    /**
     * As {@link #append(StoreTransaction, StreamId, ExpectedVersion, List)}, inside the transaction
     * of a Hibernate Reactive session (e.g. {@code Panache.withTransaction(() -> entity.persist()
     * .chain(() -> Panache.getSession()).chain(session -> store.append(session, ...)))}), so that
     * entity changes and events commit together. Call it on the session's own Vert.x context.
     *
     * <p>The store cannot see that transaction's commit, so here the appended-events metric counts
     * at append time, including appends whose transaction later rolls back.
     */
    public Uni<List<StoredEvent>> append(Mutiny.Session session, StreamId stream, ExpectedVersion expected, List<NewEvent> events) {
        if (events.isEmpty()) {
            return Uni.createFrom().failure(new IllegalArgumentException("nothing to append to " + stream));
        }
        String json;
        try {
            json = toJson(events);
        } catch (IllegalArgumentException invalid) {
            return Uni.createFrom().failure(invalid);
        }
        return session.createNativeQuery(APPEND_NATIVE, Object[].class)
                .setParameter("stream", stream.value())
                .setParameter("category", stream.category())
                .setParameter("expected", expectedVersion(expected))
                .setParameter("events", json)
                .setParameter("notify", options.notifyOnAppend())
                .getResultList()
                .map(rows -> stored(stream, events, rows))
                .invoke(stored -> metrics.appended(Map.of(stream.category(), stored.size())))
                .onFailure(failure -> DatabaseError.of(failure) != null)
                .recoverWithUni(failure -> appendFailure(DatabaseError.of(failure), stream, expected));
    }

    /**
     * Events committed after {@code after} in the store's total order, at most {@code limit}, oldest
     * first. Returns only what lies below the horizon, so a reader that resumes from the last
     * returned position never skips a late-committing event and never sees one twice.
     */
    public Uni<List<StoredEvent>> readAll(Checkpoint after, int limit) {
        return pool.preparedQuery(READ_ALL)
                .execute(Tuple.of(after.transactionId(), after.globalPosition(), limit))
                .map(EventStore::toStoredEvents);
    }

    /** As {@link #readAll}, restricted to one category ({@code order}, {@code product}, …). */
    public Uni<List<StoredEvent>> readCategory(String category, Checkpoint after, int limit) {
        return pool.preparedQuery(READ_CATEGORY)
                .execute(Tuple.of(after.transactionId(), after.globalPosition(), limit, category))
                .map(EventStore::toStoredEvents);
    }

    /**
     * As {@link #readCategory}, the streams of one partition only ({@code event_store.stream_partition}), up to
     * {@code until} (inclusive), which must lie below the horizon: a partitioned replay's read.
     */
    public Uni<List<StoredEvent>> readPartition(String category, int partition, int partitions, Checkpoint after, Checkpoint until,
            int limit) {
        return pool.preparedQuery(READ_PARTITION)
                .execute(Tuple.from(List.<Object>of(after.transactionId(), after.globalPosition(), limit, category, until.transactionId(),
                        until.globalPosition(), partitions, partition)))
                .map(EventStore::toStoredEvents);
    }

    /** The events of {@code category} after {@code after} and up to {@code until}, counted up to {@code cap}. */
    public Uni<Long> countBetween(String category, Checkpoint after, Checkpoint until, int cap) {
        return pool.preparedQuery(COUNT_BETWEEN)
                .execute(Tuple.from(List.<Object>of(after.transactionId(), after.globalPosition(), cap, category, until.transactionId(),
                        until.globalPosition())))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * Every event after {@code after} that is below the horizon now, page by page: memory holds one
     * page at a time. Completes when it has caught up; call again later for more.
     */
    public Multi<StoredEvent> streamAll(Checkpoint after) {
        return pages(after, from -> readAll(from, options.pageSize()));
    }

    /** As {@link #streamAll}, restricted to one category. */
    public Multi<StoredEvent> streamCategory(String category, Checkpoint after) {
        return pages(after, from -> readCategory(category, from, options.pageSize()));
    }

    /** The events of one stream from version {@code fromVersion} on, in version order, page by page. */
    public Multi<StoredEvent> readStream(StreamId stream, int fromVersion) {
        return Multi.createFrom().deferred(() -> {
            int[] next = {Math.max(fromVersion, 1)};
            return paged(() -> pool.preparedQuery(READ_STREAM)
                    .execute(Tuple.of(stream.value(), next[0], options.pageSize()))
                    .map(EventStore::toStoredEvents)
                    .invoke(page -> {
                        if (!page.isEmpty()) {
                            next[0] = page.getLast().streamVersion() + 1;
                        }
                    }));
        });
    }

    /**
     * Versions {@code fromVersion..toVersion} of one stream, read inside {@code tx}: for work that
     * already holds a transaction and must not wait for a second connection from the same pool.
     */
    public Uni<List<StoredEvent>> readStream(StoreTransaction tx, StreamId stream, int fromVersion, int toVersion) {
        return tx.connection().preparedQuery(READ_STREAM)
                .execute(Tuple.of(stream.value(), Math.max(fromVersion, 1), Math.max(0, toVersion - Math.max(fromVersion, 1) + 1)))
                .map(EventStore::toStoredEvents);
    }

    /**
     * Whether {@code category} holds committed events after {@code after}, below the horizon or not: for a reader
     * that found nothing there with {@link #readCategory}, whether older transactions still open hide some from it
     * (or the last of them has just ended). One probe of the category's index.
     */
    public Uni<Boolean> anyCommittedAfter(String category, Checkpoint after) {
        return pool.preparedQuery(ANY_AFTER)
                .execute(Tuple.of(after.transactionId(), after.globalPosition(), category))
                .map(rows -> rows.size() > 0);
    }

    /**
     * The position of the newest event below the horizon ({@link Checkpoint#START} for an empty
     * store). A reader that starts here sees every event committed from now on, and none before:
     * transactions still open sort after it.
     */
    public Uni<Checkpoint> head() {
        return pool.query(HEAD).execute().map(rows -> {
            if (rows.size() == 0) {
                return Checkpoint.START;
            }
            Row row = rows.iterator().next();
            return new Checkpoint(row.getLong(0), row.getLong(1));
        });
    }

    /** The stream's current version (0 = it does not exist), as committed now. */
    public Uni<Integer> streamVersion(StreamId stream) {
        return pool.preparedQuery(STREAM_VERSION).execute(Tuple.of(stream.value()))
                .map(rows -> rows.iterator().next().getInteger(0));
    }

    /** How many events the store holds in {@code categories}, as {@code tx} sees it: a rebuild's "of total". */
    public Uni<Long> count(StoreTransaction tx, List<String> categories) {
        return tx.connection().preparedQuery(COUNT).execute(Tuple.of((Object) categories.toArray(String[]::new)))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    private Multi<StoredEvent> pages(Checkpoint after, Function<Checkpoint, Uni<List<StoredEvent>>> readPage) {
        return Multi.createFrom().deferred(() -> {
            Checkpoint[] next = {after};
            return paged(() -> readPage.apply(next[0]).invoke(page -> {
                if (!page.isEmpty()) {
                    next[0] = page.getLast().position();
                }
            }));
        });
    }

    // Pages are read one after another (the next request starts when the previous page is emitted),
    // and a short page means the reader has caught up. The cursors above live per subscription.
    private Multi<StoredEvent> paged(Supplier<Uni<List<StoredEvent>>> nextPage) {
        return Multi.createBy().repeating().uni(() -> nextPage.get())
                .whilst(page -> page.size() == options.pageSize())
                .onItem().disjoint();
    }

    private Uni<List<StoredEvent>> appendFailure(DatabaseError failure, StreamId stream, ExpectedVersion expected) {
        if (CONFLICT_STATE.equals(failure.sqlState()) && failure.detail() != null) {
            metrics.conflict(stream.category());
            return Uni.createFrom().failure(
                    new StreamVersionConflictException(stream, expected, Integer.parseInt(failure.detail())));
        }
        if (CONFLICT_STATE.equals(failure.sqlState())
                || UNIQUE_VIOLATION.equals(failure.sqlState()) && failure.mentions("events_stream_id_stream_version_key")) {
            // A conflict whose numbers did not survive the wrapping (Hibernate Reactive), or one caught by the
            // unique constraint under REPEATABLE READ, where the version read under the stream lock came from an
            // older snapshot. The caller's transaction is aborted, so ask the pool what is committed now.
            metrics.conflict(stream.category());
            return streamVersion(stream).onItem().transformToUni(actual ->
                    Uni.createFrom().failure(new StreamVersionConflictException(stream, expected, actual)));
        }
        if (UNIQUE_VIOLATION.equals(failure.sqlState()) && failure.mentions("events_event_id_key")) {
            return Uni.createFrom().failure(new IllegalArgumentException(
                    "an event appended to " + stream + " has an id that is already stored", failure.cause()));
        }
        return Uni.createFrom().failure(failure.cause());
    }

    private static Integer expectedVersion(ExpectedVersion expected) {
        return expected instanceof ExpectedVersion.Exactly exactly ? exactly.version() : null;
    }

    // Rows of append_events: global_position, transaction_id (text: xid8 has no driver type), stream_version.
    private static List<StoredEvent> stored(StreamId stream, List<NewEvent> events, List<Object[]> rows) {
        List<StoredEvent> stored = new ArrayList<>(events.size());
        for (int i = 0; i < rows.size(); i++) {
            Object[] row = rows.get(i);
            NewEvent event = events.get(i);
            Checkpoint position = new Checkpoint(Long.parseLong(row[1].toString()), ((Number) row[0]).longValue());
            stored.add(new StoredEvent(position, new RecordedEvent(event.eventId(), stream, ((Number) row[2]).intValue(),
                    event.type(), event.schemaVersion(), event.data(), event.metadata(), event.occurredAt())));
        }
        return stored;
    }


    private static String toJson(List<NewEvent> events) {
        for (NewEvent event : events) {
            requireUriReference(event.metadata().source());
        }
        StringWriter out = new StringWriter(events.size() * 256);
        try (JsonGenerator json = EventCodec.json().createGenerator(out)) {
            json.writeStartArray();
            for (NewEvent event : events) {
                json.writeStartObject();
                json.writeStringField("event_id", event.eventId().toString());
                json.writeStringField("type", event.type());
                json.writeNumberField("schema_version", event.schemaVersion());
                json.writeFieldName("data");
                json.writeRawValue(event.data());
                json.writeFieldName("metadata");
                json.writeRawValue(EventCodec.writeMetadata(event.metadata()));
                json.writeStringField("occurred_at", event.occurredAt().toString());
                json.writeEndObject();
            }
            json.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    // The source becomes the CloudEvent's source, a URI reference: a stored event the relay could not publish would
    // otherwise stop its category's relay.
    private static void requireUriReference(String source) {
        try {
            new URI(source);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("an event's source must be a URI reference (e.g. order-service), was '" + source + "': "
                    + e.getMessage(), e);
        }
    }

    private static List<StoredEvent> toStoredEvents(RowSet<Row> rows) {
        List<StoredEvent> events = new ArrayList<>(rows.size());
        for (Row row : rows) {
            events.add(toStoredEvent(row));
        }
        return events;
    }

    private static StoredEvent toStoredEvent(Row row) {
        return toStoredEvent(row, 0);
    }

    /** The event in {@code row}, whose {@link #COLUMNS} start at column {@code first}. */
    public static StoredEvent toStoredEvent(Row row, int first) {
        return new StoredEvent(
                new Checkpoint(row.getLong(first), row.getLong(first + 1)),
                RecordedEvent.stored(
                        row.getUUID(first + 2),
                        StreamId.parse(row.getString(first + 3)),
                        row.getInteger(first + 4),
                        row.getString(first + 5),
                        row.getInteger(first + 6),
                        row.getString(first + 7),
                        row.getString(first + 8), // parsed when asked for: most handlers never do
                        row.getOffsetDateTime(first + 9).toInstant()));
    }

    private record Committed<T>(T result, StoreTransaction tx) {
    }
}
