package io.eventshop.view;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.runtime.SubscriberRuntime;
import io.eventshop.subscriber.state.Checkpoints;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The only class that reads or writes {@code event_store.view_generations}, and the DDL that makes,
 * points at and drops generation schemas. Every change of a view's generations runs under the view's
 * advisory lock and re-reads the registry before it decides, so replicas never make two live or two
 * shadow copies.
 */
@ApplicationScoped
public class Generations {

    private static final String COLUMNS = "view, generation, role, definition_version, ready, created_at, total_events,"
            + " switched_at, retired_at, dropped_at, error";
    private static final String LOCK = "select pg_advisory_xact_lock(hashtext('eventshop.views'), hashtext($1))";
    private static final String ALL = "select " + COLUMNS + " from event_store.view_generations where view = $1 order by generation";
    private static final String LIVE = "select " + COLUMNS + " from event_store.view_generations where view = $1 and role = 'LIVE'";
    private static final String INSERT = "insert into event_store.view_generations (view, generation, role, definition_version,"
            + " total_events) values ($1, $2, $3, $4, $5) returning " + COLUMNS;
    private static final String RETIRE = "update event_store.view_generations set role = $3, retired_at = now(), error = $4"
            + " where view = $1 and generation = $2";
    private static final String RETIRE_SHADOW = "update event_store.view_generations set role = 'FAILED', retired_at = now(), error = $3"
            + " where view = $1 and generation = $2 and role = 'SHADOW'";
    private static final String SWITCH = "update event_store.view_generations set role = 'LIVE', ready = true, switched_at = now()"
            + " where view = $1 and generation = $2";
    private static final String READY = "update event_store.view_generations set ready = true where view = $1 and generation = $2";
    private static final String DROPPED = "update event_store.view_generations set dropped_at = now() where view = $1 and generation = $2";
    private static final String KNOWN = "select generation from event_store.view_generations where view = $1 and dropped_at is null";
    // Table statistics, so that a generation filling from empty gets plans for millions of rows, not for
    // the empty table it started as (a hash join over the whole table per batch instead of index lookups).
    private static final String TABLE_STATS = "select relname, n_live_tup, n_dead_tup, n_mod_since_analyze"
            + " from pg_stat_user_tables where schemaname = $1";

    /** Refused: a rebuild is running already, or the view has not finished its first fill. */
    public static final class RebuildRefused extends RuntimeException {
        RebuildRefused(String message) {
            super(message);
        }
    }

    private final EventStore store;
    private final Pool pool;
    private final SubscriberRuntime subscribers;

    Generations(EventStore store, Pool pool, SubscriberRuntime subscribers) {
        this.store = store;
        this.pool = pool;
        this.subscribers = subscribers;
    }

    Uni<List<Generation>> all(String view) {
        return store.inTransaction(tx -> all(tx, view));
    }

    Uni<List<Generation>> all(StoreTransaction tx, String view) {
        return tx.connection().preparedQuery(ALL).execute(Tuple.of(view)).map(rows -> {
            List<Generation> found = new ArrayList<>();
            rows.forEach(row -> found.add(generation(row)));
            return found;
        });
    }

    /** The view's live generation, as {@code tx} sees the registry: one index probe, asked before every query. */
    Uni<Optional<Generation>> live(StoreTransaction tx, String view) {
        return tx.connection().preparedQuery(LIVE).execute(Tuple.of(view))
                .map(rows -> rows.size() == 0 ? Optional.<Generation>empty() : Optional.of(generation(rows.iterator().next())));
    }

    static Optional<Generation> withRole(List<Generation> generations, Generation.Role role) {
        return generations.stream().filter(g -> g.role() == role).findFirst();
    }

    /**
     * Analyzes a generation's tables when a tenth of their rows changed since the last analyze, and vacuums
     * them when a fifth are dead: what autovacuum would do, done here so that a view never depends on how
     * the cluster's autovacuum is set (it may be off). Returns what it did.
     */
    Uni<List<String>> maintain(View view, Generation generation) {
        String schema = view.generationSchema(generation.number());
        return pool.preparedQuery(TABLE_STATS).execute(Tuple.of(schema)).chain(rows -> {
            List<String> statements = new ArrayList<>();
            for (Row row : rows) {
                String table = schema + "." + row.getString(0);
                long live = row.getLong(1);
                if (row.getLong(2) >= 1_000 + live / 5) {
                    statements.add("vacuum (analyze) " + table);
                } else if (row.getLong(3) >= 500 + live / 10) {
                    statements.add("analyze " + table);
                }
            }
            // Outside a transaction: VACUUM refuses to run in one. Not bounded by the pool's statement timeout
            // (a large table takes longer), which is reset before the connection goes back to the pool.
            return pool.withConnection(connection -> connection.query("set statement_timeout = 0").execute()
                    .chain(() -> Multi.createFrom().iterable(statements)
                            .onItem().transformToUniAndConcatenate(statement -> connection.query(statement).execute())
                            .collect().last())
                    .eventually(() -> connection.query("reset statement_timeout").execute()))
                    .replaceWith(statements);
        });
    }

    /** Whether every table of the generation exists: someone may have dropped them. */
    Uni<Boolean> intact(View view, Generation generation) {
        return store.inTransaction(tx -> tx.connection()
                .preparedQuery("select count(*) from pg_tables where schemaname = $1 and tablename = any($2::text[])")
                .execute(Tuple.of(view.generationSchema(generation.number()), view.tables().toArray(String[]::new)))
                .map(rows -> rows.iterator().next().getLong(0) == view.tables().size()));
    }

    /**
     * Makes a fresh live generation when there is none ({@code judged} empty), or in place of the live
     * generation {@code judged} when it lost tables: that one is retired, and the new one fills itself
     * from the store (queries answer 503 until it has). Returns the new generation, or empty when the
     * registry no longer looks as judged (another replica acted first).
     */
    Uni<Optional<Generation>> replaceLive(View view, Optional<Generation> judged) {
        return store.inTransaction(tx -> lockView(tx, view)
                .chain(() -> all(tx, view.name()))
                .chain(generations -> {
                    Optional<Generation> live = withRole(generations, Generation.Role.LIVE);
                    if (!live.map(Generation::number).equals(judged.map(Generation::number))) {
                        return Uni.createFrom().item(Optional.<Generation>empty());
                    }
                    Uni<Void> retired = live.isEmpty() ? Uni.createFrom().voidItem()
                            : retire(tx, live.get(), Generation.Role.RETIRED, null);
                    int number = next(generations);
                    return retired.chain(() -> create(tx, view, number, Generation.Role.LIVE, null))
                            .call(created -> point(tx, view, created))
                            .map(Optional::of);
                }));
    }

    /** Starts a rebuild: a shadow generation beside the live one. Fails with {@link RebuildRefused} when it may not. */
    Uni<Generation> startRebuild(View view) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(LOCK).execute(Tuple.of(view.name()))
                .chain(() -> all(tx, view.name()))
                .chain(generations -> {
                    Optional<Generation> shadow = withRole(generations, Generation.Role.SHADOW);
                    if (shadow.isPresent()) {
                        return Uni.createFrom().failure(new RebuildRefused("a rebuild of " + view.name() + " is running already"
                                + " (generation " + shadow.get().number() + ", started " + shadow.get().createdAt() + ")"));
                    }
                    Optional<Generation> live = withRole(generations, Generation.Role.LIVE);
                    if (live.isEmpty() || !live.get().ready()) {
                        return Uni.createFrom().failure(new RebuildRefused("view " + view.name()
                                + " is still filling itself from the store for the first time; it needs no rebuild yet"));
                    }
                    if (live.get().definitionVersion() != view.version()) {
                        return Uni.createFrom().failure(new RebuildRefused("view " + view.name() + " is being rebuilt for definition version "
                                + view.version() + " already"));
                    }
                    return shadow(tx, view, generations);
                }));
    }

    /**
     * A new definition of a view (its version went up): a shadow generation of the new version replays
     * the store while the old live copy keeps serving the replicas that still run the old code. Empty
     * when there is a shadow already or the live copy is not older than {@code view}.
     */
    Uni<Optional<Generation>> upgrade(View view) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(LOCK).execute(Tuple.of(view.name()))
                .chain(() -> all(tx, view.name()))
                .chain(generations -> {
                    boolean older = withRole(generations, Generation.Role.LIVE).map(g -> g.definitionVersion() < view.version()).orElse(false);
                    if (!older || withRole(generations, Generation.Role.SHADOW).isPresent()) {
                        return Uni.createFrom().item(Optional.<Generation>empty());
                    }
                    return shadow(tx, view, generations).map(Optional::of);
                }));
    }

    private Uni<Generation> shadow(StoreTransaction tx, View view, List<Generation> generations) {
        return store.count(tx, view.categories()).chain(total -> create(tx, view, next(generations), Generation.Role.SHADOW, total));
    }

    /** Ends a running rebuild without switching (an operator's decision): the live copy stays. Whether it was still running. */
    Uni<Boolean> cancel(View view, Generation shadow, String reason) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(LOCK).execute(Tuple.of(view.name()))
                .chain(() -> tx.connection().preparedQuery(RETIRE_SHADOW).execute(Tuple.of(view.name(), shadow.number(), reason)))
                .map(rows -> rows.rowCount() == 1));
    }

    Uni<Void> markReady(Generation generation) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(READY).execute(Tuple.of(generation.view(), generation.number()))
                .replaceWithVoid());
    }

    /**
     * The switch-over, in one transaction: the shadow becomes live and the queries' relations point at it;
     * the old live copy is retired (dropped later). Decided inside the transaction, with the relations (and
     * so the live copy's tables) and the shadow's checkpoint rows locked: the shadow has finished replaying, has no open dead letter (a rebuild that met
     * poison waits for an operator's decision), and has read each category at least as far as the live copy.
     * Queries running meanwhile finish on the old copy; the next ones read the new one. Returns whether it switched.
     */
    Uni<Boolean> switchOver(View view, Generation shadow, Generation live) {
        return store.inTransaction(tx -> lockView(tx, view)
                .chain(() -> all(tx, view.name()))
                .chain(generations -> {
                    if (!withRole(generations, Generation.Role.SHADOW).map(g -> g.number() == shadow.number()).orElse(false)
                            || !withRole(generations, Generation.Role.LIVE).map(g -> g.number() == live.number()).orElse(false)) {
                        return Uni.createFrom().item(false); // another replica switched
                    }
                    return caughtUp(tx, view, shadow, live).chain(ready -> !ready ? Uni.createFrom().item(false)
                            : retire(tx, live, Generation.Role.RETIRED, null)
                                    .chain(() -> tx.connection().preparedQuery(SWITCH).execute(Tuple.of(view.name(), shadow.number())))
                                    .chain(() -> point(tx, view, shadow))
                                    .replaceWith(true));
                }));
    }

    // The live copy's checkpoints are read, not locked: the relation lock taken before (lockView) locks the live
    // copy's tables too, so nothing of it can commit until this transaction ends, while a catch-up page of the
    // live copy that holds its checkpoint row and waits to write those tables would deadlock with a row lock here.
    private Uni<Boolean> caughtUp(StoreTransaction tx, View view, Generation shadow, Generation live) {
        return subscribers.positions(tx, live.subscriber())
                .chain(serving -> subscribers.lockPositions(tx, List.of(shadow.subscriber())).chain(rebuilt -> {
                    Map<String, Checkpoint> servingAt = new HashMap<>();
                    serving.forEach(position -> servingAt.put(position.category(), position.checkpoint()));
                    Map<String, Checkpoint> rebuiltAt = new HashMap<>();
                    boolean replaying = false;
                    for (Checkpoints.SubscriberPosition found : rebuilt) {
                        rebuiltAt.put(found.position().category(), found.position().checkpoint());
                        replaying |= found.position().replaying();
                    }
                    boolean level = !replaying && view.categories().stream().allMatch(category -> rebuiltAt.containsKey(category)
                            && (!servingAt.containsKey(category) || !servingAt.get(category).isAfter(rebuiltAt.get(category))));
                    if (!level) {
                        return Uni.createFrom().item(false);
                    }
                    return subscribers.firstOpenDeadLetter(tx, shadow.subscriber()).chain(open -> open.isPresent()
                            ? Uni.createFrom().item(false)
                            // a redriven stream still being applied again, or parked again: not a complete copy yet
                            : subscribers.unfinished(tx, shadow.subscriber()).map(unfinished -> !unfinished));
                }));
    }

    /** Whether the queries' relations of the view exist (someone may have dropped one); re-made if not. */
    Uni<Boolean> ensurePointed(View view, Generation live) {
        return store.inTransaction(tx -> tx.connection()
                .preparedQuery("select count(*) from pg_views where schemaname = $1 and viewname = any($2::text[])")
                .execute(Tuple.of(view.schema(), relationNames(view)))
                .chain(rows -> rows.iterator().next().getLong(0) == view.tables().size() ? Uni.createFrom().item(true)
                        : lockView(tx, view).chain(() -> point(tx, view, live)).replaceWith(false)));
    }

    Uni<Void> dropped(View view, Generation generation) {
        return store.inTransaction(tx -> tx.connection().query("drop schema if exists " + view.generationSchema(generation.number())
                        + " cascade").execute()
                .chain(() -> tx.connection().preparedQuery(DROPPED).execute(Tuple.of(generation.view(), generation.number())))
                .replaceWithVoid());
    }

    /**
     * Forgets the subscribers of this view the registry does not know (or knows as dropped): what a lost registry
     * left behind, and the subscriber of the view's own name from before it lived in generations. Decided and done
     * in one transaction under the view's lock, so a generation another replica makes meanwhile is never taken for
     * one: it is made under the same lock. Drops the schemas no generation names, likewise. Returns the subscribers'
     * names (their queues are for the caller to delete).
     */
    Uni<List<String>> forgetOrphanSubscribers(View view) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(LOCK).execute(Tuple.of(view.name()))
                .chain(() -> tx.connection().preparedQuery(KNOWN).execute(Tuple.of(view.name())))
                .map(rows -> {
                    List<String> known = new ArrayList<>();
                    rows.forEach(row -> known.add(Generation.subscriber(view.name(), row.getInteger(0))));
                    return known;
                })
                .chain(known -> subscribers.knownStartingWith(tx, view.name()).map(names -> names.stream()
                        .filter(name -> name.equals(view.name()) || name.startsWith(Generation.subscriberPrefix(view.name()))
                                && name.substring(Generation.subscriberPrefix(view.name()).length()).chars().allMatch(Character::isDigit))
                        .filter(name -> !known.contains(name))
                        .toList()))
                .call(orphans -> Multi.createFrom().iterable(orphans)
                        .onItem().transformToUniAndConcatenate(orphan -> subscribers.forget(tx, orphan))
                        .collect().last())
                .call(() -> dropOrphanSchemas(tx, view)));
    }

    // Schemas of this view's generations the registry does not hold as undropped; under the view's lock (the caller's).
    private Uni<Void> dropOrphanSchemas(StoreTransaction tx, View view) {
        String prefix = view.schema() + "_" + view.shortName() + "_g";
        return tx.connection().preparedQuery("select nspname from pg_namespace where nspname like $1")
                .execute(Tuple.of(prefix.replace("_", "\\_") + "%"))
                .chain(rows -> tx.connection().preparedQuery(KNOWN).execute(Tuple.of(view.name())).map(known -> {
                    List<String> kept = new ArrayList<>();
                    known.forEach(row -> kept.add(view.generationSchema(row.getInteger(0))));
                    List<String> orphans = new ArrayList<>();
                    rows.forEach(row -> {
                        String schema = row.getString(0);
                        if (!kept.contains(schema) && schema.substring(prefix.length()).chars().allMatch(Character::isDigit)) {
                            orphans.add(schema);
                        }
                    });
                    return orphans;
                }))
                .chain(orphans -> Multi.createFrom().iterable(orphans)
                        .onItem().transformToUniAndConcatenate(schema -> tx.connection().query("drop schema if exists " + schema + " cascade")
                                .execute())
                        .collect().last().replaceWithVoid());
    }

    private static Generation generation(Row row) {
        return new Generation(row.getString(0), row.getInteger(1), Generation.Role.valueOf(row.getString(2)), row.getInteger(3),
                row.getBoolean(4), row.getOffsetDateTime(5), row.getLong(6), row.getOffsetDateTime(7), row.getOffsetDateTime(8),
                row.getOffsetDateTime(9), row.getString(10));
    }

    private static int next(List<Generation> generations) {
        return generations.stream().mapToInt(Generation::number).max().orElse(0) + 1;
    }

    // A fresh schema with the view's tables; whatever a lost registry left under the same name goes first.
    private Uni<Generation> create(StoreTransaction tx, View view, int number, Generation.Role role, Long total) {
        String schema = view.generationSchema(number);
        List<String> ddl = new ArrayList<>();
        ddl.add("drop schema if exists " + schema + " cascade");
        ddl.add("create schema " + schema);
        ddl.addAll(view.createTables(schema));
        return subscribers.forget(tx, Generation.subscriber(view.name(), number))
                .chain(() -> Multi.createFrom().iterable(ddl).onItem()
                        .transformToUniAndConcatenate(statement -> tx.connection().query(statement).execute())
                        .collect().last())
                .chain(() -> tx.connection().preparedQuery(INSERT)
                        .execute(Tuple.of(view.name(), number, role.name(), view.version(), total)))
                .map(rows -> generation(rows.iterator().next()));
    }

    // Queries read <schema>.<view>_<table>: SQL views over the live generation's tables. Dropping and
    // re-creating them in the switch-over's transaction waits for running queries, then swaps at once.
    private static Uni<Void> point(StoreTransaction tx, View view, Generation live) {
        List<String> ddl = new ArrayList<>();
        for (String table : view.tables()) {
            String relation = view.relation(table);
            ddl.add("drop view if exists " + relation);
            ddl.add("create view " + relation + " as select * from " + view.generationSchema(live.number()) + "." + table);
        }
        return Multi.createFrom().iterable(ddl).onItem().transformToUniAndConcatenate(statement -> tx.connection().query(statement).execute())
                .collect().last().replaceWithVoid();
    }

    private static String[] relationNames(View view) {
        return view.tables().stream().map(table -> view.shortName() + "_" + table).toArray(String[]::new);
    }

    // The view's advisory lock, then its query relations in ACCESS EXCLUSIVE mode, before this transaction
    // writes anything: waiting for running queries while holding a transaction id would hold back the
    // store's horizon, and with it every reader of the store. If the queries do not finish within the lock
    // timeout, the supervisor tries again at its next pass.
    private static Uni<Void> lockView(StoreTransaction tx, View view) {
        return tx.connection().preparedQuery(LOCK).execute(Tuple.of(view.name()))
                .chain(() -> tx.connection().query("set local lock_timeout = '5s'").execute())
                .chain(() -> tx.connection().preparedQuery("select schemaname || '.' || viewname from pg_views"
                        + " where schemaname = $1 and viewname = any($2::text[]) order by viewname")
                        .execute(Tuple.of(view.schema(), relationNames(view))))
                .chain(rows -> {
                    List<String> existing = new ArrayList<>();
                    rows.forEach(row -> existing.add(row.getString(0)));
                    return existing.isEmpty() ? Uni.createFrom().voidItem()
                            : tx.connection().query("lock table " + String.join(", ", existing) + " in access exclusive mode").execute()
                                    .replaceWithVoid();
                });
    }

    private static Uni<Void> retire(StoreTransaction tx, Generation generation, Generation.Role role, String error) {
        return tx.connection().preparedQuery(RETIRE).execute(Tuple.of(generation.view(), generation.number(), role.name(), error))
                .replaceWithVoid();
    }
}
