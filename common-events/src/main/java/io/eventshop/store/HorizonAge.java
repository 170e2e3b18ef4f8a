package io.eventshop.store;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * How long the oldest open writing transaction on the cluster has been running: the time by which
 * readers of all events may lag behind commits (see {@link EventStore}, the ordering rule). Any
 * database on the cluster counts, which is why the store wants a cluster of its own.
 *
 * <p>An upper bound: Postgres does not say when a transaction took its id, so its age counts from its start. One
 * that reads long before it writes holds readers back only from its first write (an ANALYZE samples its table,
 * then writes its statistics in milliseconds); the benchmarks measure the held time itself with a clock of ids.
 *
 * <p>Needs {@code pg_read_all_stats} (or {@code pg_monitor}) to see other roles' sessions.
 */
public final class HorizonAge {

    private static final String OLDEST_WRITER = "select coalesce(extract(epoch from clock_timestamp() - min(started)), 0)::float8"
            + " from (select xact_start as started from pg_stat_activity where backend_xid is not null"
            + " union all select prepared from pg_prepared_xacts) writers";

    private final Pool pool;

    public HorizonAge(Pool pool) {
        this.pool = pool;
    }

    /** Seconds since the oldest transaction holding an xid started, 0 when there is none. */
    public Uni<Double> seconds() {
        return pool.query(OLDEST_WRITER).execute().map(rows -> rows.iterator().next().getDouble(0));
    }
}
