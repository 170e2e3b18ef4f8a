package io.eventshop.analytics.views;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
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
 * The registry of view generations ({@code analytics.view_generations}) and the DDL that makes, points
 * at and drops their schemas. Every change of a view's generations runs under the view's advisory
 * lock, so replicas never make two live or two shadow copies, and re-reads what it decides on.
 */
@ApplicationScoped
public class Generations {

    private static final String COLUMNS = "view, generation, role, definition_version, ready, created_at, total_events,"
            + " switched_at, retired_at, dropped_at, error";
    private static final String LOCK = "select pg_advisory_xact_lock(hashtext('eventshop.analytics'), hashtext($1))";

    // Table statistics, so that a generation filling from empty gets plans for millions of rows, not for
    // the empty table it started as (a hash join over the whole table per batch instead of index lookups).
    private static final String TABLE_STATS = "select relname, n_live_tup, n_dead_tup, n_mod_since_analyze"
            + " from pg_stat_user_tables where schemaname = $1";

    private final EventStore store;
    private final Pool pool;

    Generations(EventStore store, Pool pool) {
        this.store = store;
        this.pool = pool;
    }

    /**
     * Analyzes a generation's tables when a tenth of their rows changed since the last analyze, and
     * vacuums them when a fifth are dead: what autovacuum would do, done here so that a view never
     * depends on how the cluster's autovacuum is set (it may be off). Returns what it did.
     */
    Uni<List<String>> maintain(Generation generation) {
        return pool.preparedQuery(TABLE_STATS).execute(Tuple.of(generation.schema())).chain(rows -> {
            List<String> statements = new ArrayList<>();
            for (Row row : rows) {
                String table = generation.schema() + "." + row.getString(0);
                long live = row.getLong(1);
                if (row.getLong(2) >= 1_000 + live / 5) {
                    statements.add("vacuum (analyze) " + table);
                } else if (row.getLong(3) >= 500 + live / 10) {
                    statements.add("analyze " + table);
                }
            }
            // Outside a transaction: VACUUM refuses to run in one.
            return Multi.createFrom().iterable(statements)
                    .onItem().transformToUniAndConcatenate(statement -> pool.query(statement).execute())
                    .collect().last().replaceWith(statements);
        });
    }

    Uni<List<Generation>> all(String view) {
        return store.inTransaction(tx -> all(tx, view));
    }

    private static Uni<List<Generation>> all(StoreTransaction tx, String view) {
        return tx.connection().preparedQuery("select " + COLUMNS + " from analytics.view_generations where view = $1 order by generation")
                .execute(Tuple.of(view)).map(rows -> {
                    List<Generation> found = new ArrayList<>();
                    rows.forEach(row -> found.add(generation(row)));
                    return found;
                });
    }

    private static Generation generation(Row row) {
        return new Generation(row.getString(0), row.getInteger(1), Generation.Role.valueOf(row.getString(2)), row.getInteger(3),
                row.getBoolean(4), row.getOffsetDateTime(5), row.getLong(6), row.getOffsetDateTime(7), row.getOffsetDateTime(8),
                row.getOffsetDateTime(9), row.getString(10));
    }

    static Optional<Generation> withRole(List<Generation> generations, Generation.Role role) {
        return generations.stream().filter(g -> g.role() == role).findFirst();
    }

    /** Whether every table of the generation exists: someone may have dropped them. */
    Uni<Boolean> intact(AnalyticsView view, Generation generation) {
        return store.inTransaction(tx -> tx.connection()
                .preparedQuery("select count(*) from pg_tables where schemaname = $1 and tablename = any($2::text[])")
                .execute(Tuple.of(generation.schema(), view.tables().toArray(String[]::new)))
                .map(rows -> rows.iterator().next().getLong(0) == view.tables().size()));
    }

    /**
     * Makes a fresh live generation when there is none ({@code judged} empty), or in place of the live
     * generation {@code judged} when it lost tables: that one is retired, and the new one fills itself
     * from the store (queries answer 503 until it has). Returns the new generation, or empty when the
     * registry no longer looks as judged (another replica acted first).
     */
    Uni<Optional<Generation>> replaceLive(AnalyticsView view, Optional<Generation> judged) {
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
    Uni<Generation> startRebuild(AnalyticsView view) {
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
    Uni<Optional<Generation>> upgrade(AnalyticsView view) {
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

    private static Uni<Generation> shadow(StoreTransaction tx, AnalyticsView view, List<Generation> generations) {
        return tx.connection().preparedQuery("select count(*) from event_store.events where category = any($1::text[])")
                .execute(Tuple.of(view.categories().toArray(String[]::new)))
                .map(rows -> rows.iterator().next().getLong(0))
                .chain(total -> create(tx, view, next(generations), Generation.Role.SHADOW, total));
    }

    /** Refused: a rebuild is running already, or the view has not finished its first fill. */
    public static final class RebuildRefused extends RuntimeException {
        RebuildRefused(String message) {
            super(message);
        }
    }

    Uni<Void> markReady(Generation generation) {
        return store.inTransaction(tx -> tx.connection()
                .preparedQuery("update analytics.view_generations set ready = true where view = $1 and generation = $2")
                .execute(Tuple.of(generation.view(), generation.number())).replaceWithVoid());
    }

    /**
     * The switch-over, in one transaction: the shadow becomes live and the queries' relations point at
     * it; the old live copy is retired (dropped later). Decided inside the transaction, with both copies'
     * checkpoint rows locked: the shadow has finished replaying, has no open dead letter, and has read
     * each category at least as far as the live copy. Queries running meanwhile finish on the old copy;
     * the next ones read the new one. Returns whether it switched.
     */
    Uni<Boolean> switchOver(AnalyticsView view, Generation shadow, Generation live) {
        return store.inTransaction(tx -> lockView(tx, view)
                .chain(() -> all(tx, view.name()))
                .chain(generations -> {
                    if (!withRole(generations, Generation.Role.SHADOW).map(g -> g.number() == shadow.number()).orElse(false)
                            || !withRole(generations, Generation.Role.LIVE).map(g -> g.number() == live.number()).orElse(false)) {
                        return Uni.createFrom().item(false); // another replica switched, or the rebuild failed
                    }
                    return caughtUp(tx, view, shadow, live).chain(ready -> !ready ? Uni.createFrom().item(false)
                            : retire(tx, live, Generation.Role.RETIRED, null)
                                    .chain(() -> tx.connection().preparedQuery("update analytics.view_generations set role = 'LIVE',"
                                            + " ready = true, switched_at = now() where view = $1 and generation = $2")
                                            .execute(Tuple.of(view.name(), shadow.number())))
                                    .chain(() -> point(tx, view, shadow))
                                    .replaceWith(true));
                }));
    }

    private static Uni<Boolean> caughtUp(StoreTransaction tx, AnalyticsView view, Generation shadow, Generation live) {
        return tx.connection().preparedQuery("select subscriber, category, transaction_id::text::bigint, global_position, replaying"
                        + " from event_store.subscriber_checkpoints where subscriber = any($1::text[]) order by subscriber, category for update")
                .execute(Tuple.of(new String[] {live.subscriber(), shadow.subscriber()}))
                .chain(rows -> {
                    Map<String, Checkpoint> serving = new HashMap<>();
                    Map<String, Checkpoint> rebuilt = new HashMap<>();
                    boolean replaying = false;
                    for (Row row : rows) {
                        boolean isShadow = row.getString(0).equals(shadow.subscriber());
                        (isShadow ? rebuilt : serving).put(row.getString(1), new Checkpoint(row.getLong(2), row.getLong(3)));
                        replaying |= isShadow && row.getBoolean(4);
                    }
                    boolean level = !replaying && view.categories().stream().allMatch(category -> rebuilt.containsKey(category)
                            && (!serving.containsKey(category) || !serving.get(category).isAfter(rebuilt.get(category))));
                    if (!level) {
                        return Uni.createFrom().item(false);
                    }
                    return tx.connection().preparedQuery("select count(*) from event_store.dead_letters where subscriber = $1 and status = 'OPEN'")
                            .execute(Tuple.of(shadow.subscriber())).map(open -> open.iterator().next().getLong(0) == 0);
                });
    }

    /** A rebuild that cannot succeed: the live copy stays as it is. Nothing happens if it is no longer the shadow. */
    Uni<Boolean> fail(AnalyticsView view, Generation shadow, String reason) {
        return store.inTransaction(tx -> tx.connection().preparedQuery(LOCK).execute(Tuple.of(view.name()))
                .chain(() -> tx.connection().preparedQuery("update analytics.view_generations set role = 'FAILED', retired_at = now(),"
                        + " error = $3 where view = $1 and generation = $2 and role = 'SHADOW'")
                        .execute(Tuple.of(shadow.view(), shadow.number(), reason)))
                .map(rows -> rows.rowCount() == 1));
    }

    /** Whether the queries' relations of the view exist (someone may have dropped one); re-made if not. */
    Uni<Boolean> ensurePointed(AnalyticsView view, Generation live) {
        return store.inTransaction(tx -> tx.connection()
                .preparedQuery("select count(*) from pg_views where schemaname = 'analytics' and viewname = any($1::text[])")
                .execute(Tuple.of(relations(view).stream().map(r -> r.substring("analytics.".length())).toArray(String[]::new)))
                .chain(rows -> rows.iterator().next().getLong(0) == view.tables().size() ? Uni.createFrom().item(true)
                        : lockView(tx, view).chain(() -> point(tx, view, live)).replaceWith(false)));
    }

    Uni<Void> dropped(Generation generation) {
        return store.inTransaction(tx -> tx.connection().preparedQuery("drop schema if exists " + generation.schema() + " cascade")
                .execute()
                .chain(() -> tx.connection().preparedQuery("update analytics.view_generations set dropped_at = now()"
                        + " where view = $1 and generation = $2").execute(Tuple.of(generation.view(), generation.number())))
                .replaceWithVoid());
    }

    /** Subscribers of this view's generations the registry does not know (or knows as dropped): left over after the registry was lost. */
    Uni<List<String>> orphanSubscribers(String view) {
        return store.inTransaction(tx -> tx.connection().preparedQuery("select distinct c.subscriber from event_store.subscriber_checkpoints c"
                        + " where c.subscriber like $2 || '%' and not exists (select 1 from analytics.view_generations g"
                        + " where g.view = $1 and $2 || g.generation = c.subscriber and g.dropped_at is null)")
                .execute(Tuple.of(view, Generation.subscriberPrefix(view)))
                .map(rows -> {
                    List<String> names = new ArrayList<>();
                    rows.forEach(row -> names.add(row.getString(0)));
                    return names;
                }));
    }

    /** Schemas of this view's generations the registry does not hold as undropped. */
    Uni<Void> dropOrphanSchemas(String view) {
        return store.inTransaction(tx -> tx.connection().preparedQuery("select nspname from pg_namespace n where nspname like $2"
                        + " and not exists (select 1 from analytics.view_generations g where g.view = $1 and g.dropped_at is null"
                        + " and 'analytics_' || g.view || '_g' || g.generation = n.nspname)")
                .execute(Tuple.of(view, "analytics\\_" + view + "\\_g%"))
                .chain(rows -> {
                    List<String> schemas = new ArrayList<>();
                    rows.forEach(row -> schemas.add(row.getString(0)));
                    return Multi.createFrom().iterable(schemas)
                            .onItem().transformToUniAndConcatenate(schema -> tx.connection()
                                    .preparedQuery("drop schema if exists " + schema + " cascade").execute())
                            .collect().last().replaceWithVoid();
                }));
    }

    /** Per category: the catch-up checkpoint, whether it still replays, and how many events its replay has read. */
    public record Progress(Map<String, Checkpoint> checkpoints, boolean replaying, long replayed) {
    }

    public Uni<Progress> progress(String subscriber) {
        return store.inTransaction(tx -> tx.connection().preparedQuery("select category, transaction_id::text::bigint, global_position,"
                        + " replaying, replayed from event_store.subscriber_checkpoints where subscriber = $1")
                .execute(Tuple.of(subscriber))
                .map(rows -> {
                    Map<String, Checkpoint> checkpoints = new HashMap<>();
                    boolean replaying = rows.size() == 0;
                    long replayed = 0;
                    for (Row row : rows) {
                        checkpoints.put(row.getString(0), new Checkpoint(row.getLong(1), row.getLong(2)));
                        replaying |= row.getBoolean(3);
                        replayed += row.getLong(4);
                    }
                    return new Progress(checkpoints, replaying, replayed);
                }));
    }

    Uni<Optional<String>> firstDeadLetter(String subscriber) {
        return store.inTransaction(tx -> tx.connection()
                .preparedQuery("select id, stream_id, stream_version, reason from event_store.dead_letters"
                        + " where subscriber = $1 and status = 'OPEN' order by id limit 1")
                .execute(Tuple.of(subscriber))
                .map(rows -> rows.size() == 0 ? Optional.<String>empty() : Optional.of(describe(rows.iterator().next()))));
    }

    private static String describe(Row row) {
        return "dead letter " + row.getLong(0) + " (" + row.getString(1) + " version " + row.getInteger(2) + "): " + row.getString(3);
    }

    private static int next(List<Generation> generations) {
        return generations.stream().mapToInt(Generation::number).max().orElse(0) + 1;
    }

    // A fresh schema with the view's tables; whatever a lost registry left under the same name goes first.
    private static Uni<Generation> create(StoreTransaction tx, AnalyticsView view, int number, Generation.Role role, Long total) {
        String subscriber = Generation.subscriber(view.name(), number);
        Generation made = new Generation(view.name(), number, role, view.version(), false, null, total, null, null, null, null);
        List<String> ddl = new ArrayList<>();
        ddl.add("drop schema if exists " + made.schema() + " cascade");
        ddl.add("create schema " + made.schema());
        ddl.addAll(view.createTables(made.schema()));
        return tx.connection().preparedQuery("delete from event_store.subscriber_streams where subscriber = $1").execute(Tuple.of(subscriber))
                .chain(() -> tx.connection().preparedQuery("delete from event_store.subscriber_checkpoints where subscriber = $1")
                        .execute(Tuple.of(subscriber)))
                .chain(() -> tx.connection().preparedQuery("delete from event_store.dead_letters where subscriber = $1")
                        .execute(Tuple.of(subscriber)))
                .chain(() -> Multi.createFrom().iterable(ddl).onItem()
                        .transformToUniAndConcatenate(statement -> tx.connection().query(statement).execute())
                        .collect().last())
                .chain(() -> tx.connection().preparedQuery("insert into analytics.view_generations (view, generation, role, definition_version,"
                        + " total_events) values ($1, $2, $3, $4, $5) returning " + COLUMNS)
                        .execute(Tuple.of(view.name(), number, role.name(), view.version(), total)))
                .map(rows -> generation(rows.iterator().next()));
    }

    // Queries read analytics.<view>_<table>: SQL views over the live generation's tables. Dropping and
    // re-creating them in the switch-over's transaction waits for running queries, then swaps at once.
    private static Uni<Void> point(StoreTransaction tx, AnalyticsView view, Generation live) {
        List<String> ddl = new ArrayList<>();
        for (String table : view.tables()) {
            String relation = "analytics." + view.name() + "_" + table;
            ddl.add("drop view if exists " + relation);
            ddl.add("create view " + relation + " as select * from " + live.schema() + "." + table);
        }
        return Multi.createFrom().iterable(ddl).onItem().transformToUniAndConcatenate(statement -> tx.connection().query(statement).execute())
                .collect().last().replaceWithVoid();
    }

    private static List<String> relations(AnalyticsView view) {
        return view.tables().stream().map(table -> "analytics." + view.name() + "_" + table).toList();
    }

    // The view's advisory lock, then its query relations in ACCESS EXCLUSIVE mode, before this transaction
    // writes anything: waiting for running queries while holding a transaction id would hold back the
    // store's horizon, and with it every reader of the store (DESIGN.md, Hard cases). If the queries do
    // not finish within the lock timeout, the supervisor tries again at its next pass.
    private static Uni<Void> lockView(StoreTransaction tx, AnalyticsView view) {
        return tx.connection().preparedQuery(LOCK).execute(Tuple.of(view.name()))
                .chain(() -> tx.connection().query("set local lock_timeout = '5s'").execute())
                .chain(() -> tx.connection().preparedQuery("select 'analytics.' || viewname from pg_views"
                        + " where schemaname = 'analytics' and viewname = any($1::text[]) order by viewname")
                        .execute(Tuple.of(relations(view).stream().map(r -> r.substring("analytics.".length())).toArray(String[]::new))))
                .chain(rows -> {
                    List<String> existing = new ArrayList<>();
                    rows.forEach(row -> existing.add(row.getString(0)));
                    return existing.isEmpty() ? Uni.createFrom().voidItem()
                            : tx.connection().query("lock table " + String.join(", ", existing) + " in access exclusive mode").execute()
                                    .replaceWithVoid();
                });
    }

    private static Uni<Void> retire(StoreTransaction tx, Generation generation, Generation.Role role, String error) {
        return tx.connection().preparedQuery("update analytics.view_generations set role = $3, retired_at = now(), error = $4"
                        + " where view = $1 and generation = $2")
                .execute(Tuple.of(generation.view(), generation.number(), role.name(), error)).replaceWithVoid();
    }
}
