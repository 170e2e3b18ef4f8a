package io.eventshop.bench;

import io.eventshop.testing.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The store's horizon age while something runs: every 250 ms, how long the oldest transaction id still running
 * has been held. Readers of all events read below {@code pg_snapshot_xmin(pg_current_snapshot())}, so that is how
 * long a commit made now may wait before they see it. Two figures: the whole cluster's (what the store's readers
 * feel, other databases on the cluster included) and the benchmark database's own (what the services under test
 * hold back; on a shared machine, other tenants' transactions count in the first only).
 *
 * <p>Postgres does not say when a transaction took its id, so the sampler keeps a clock of ids: each sample notes
 * the next id to be assigned ({@code pg_snapshot_xmax}). An id not yet assigned at one sample was taken after it,
 * so its holder has held it at most since then: the figure is high by at most one interval, never low. It is not
 * the age of the transaction, which the services' gauge {@code eventshop.store.horizon.age} reports (common-events'
 * HorizonAge, from {@code xact_start}, refreshed every 5 s): a transaction that reads long before its first write
 * (an ANALYZE samples its table for a second, then writes its statistics in a few milliseconds) holds the horizon
 * only from that write. Both are printed; the held time is the one readers wait for.
 */
final class HorizonSampler implements AutoCloseable {

    static final long INTERVAL_MILLIS = 250;
    // One statement, so that the id counter and the holders are seen at one instant. age() counts back from the next id
    // to be assigned (this session writes nothing, so takes none), so the next id is the snapshot's xmax (the newest
    // completed id + 1) plus its age, and the oldest holder's id is the next one minus the greatest age.
    private static final String OLDEST = "with writers as (select backend_xid as xid, xact_start as started,"
            + " datname = current_database() as own,"
            + " coalesce(nullif(application_name, ''), usename) || ': ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 100) as what"
            + " from pg_stat_activity where backend_xid is not null and pid <> pg_backend_pid()"
            + " union all select transaction, prepared, database = current_database(), 'prepared ' || gid from pg_prepared_xacts)"
            + " select pg_snapshot_xmax(s)::text::bigint + age(xid(pg_snapshot_xmax(s))),"
            + " (select max(age(xid)) from writers), (select max(age(xid)) from writers where own),"
            + " coalesce(extract(epoch from clock_timestamp() - (select min(started) from writers)), 0)::float8,"
            + " coalesce(extract(epoch from clock_timestamp() - (select min(started) from writers where own)), 0)::float8,"
            + " (select what from writers where own order by age(xid) desc limit 1)"
            + " from pg_current_snapshot() s";

    private final List<Double> cluster = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> own = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> oldestTransaction = Collections.synchronizedList(new ArrayList<>());
    // The id clock: when each sample was taken, and the next id then. Both only grow.
    private final List<Long> sampledAt = new ArrayList<>();
    private final List<Long> nextIds = new ArrayList<>();
    private volatile double ownMax;
    private volatile String ownMaxWhat = "";
    private volatile boolean running = true;
    private final Thread thread;

    private HorizonSampler(String database) {
        thread = Thread.ofPlatform().daemon().name("horizon-sampler").start(() -> sample(database));
    }

    /** Starts sampling the horizon of {@code database}'s cluster. */
    static HorizonSampler start(String database) {
        return new HorizonSampler(database);
    }

    private void sample(String database) {
        try (Connection db = DriverManager.getConnection(LocalPostgres.jdbcUrl(database), LocalPostgres.USER, LocalPostgres.PASSWORD);
             Statement sql = db.createStatement()) {
            while (running) {
                long next = System.nanoTime() + INTERVAL_MILLIS * 1_000_000;
                try (ResultSet row = sql.executeQuery(OLDEST)) {
                    long now = System.nanoTime();
                    row.next();
                    long nextId = row.getLong(1);
                    long clusterAge = row.getLong(2);
                    boolean clusterRunning = !row.wasNull();
                    long ownAge = row.getLong(3);
                    boolean ownRunning = !row.wasNull();
                    double ownTransactionAge = row.getDouble(5);
                    sampledAt.add(now);
                    nextIds.add(nextId);
                    cluster.add(clusterRunning ? held(nextId - clusterAge, now, row.getDouble(4)) : 0);
                    double ownHeld = ownRunning ? held(nextId - ownAge, now, ownTransactionAge) : 0;
                    own.add(ownHeld);
                    oldestTransaction.add(ownTransactionAge);
                    if (ownHeld > ownMax) {
                        ownMax = ownHeld;
                        ownMaxWhat = row.getString(6);
                    }
                }
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                }
            }
        } catch (SQLException e) {
            System.out.println("(horizon sampling stopped: " + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // Seconds since the last sample at which id was not yet assigned (its next id was not past it), and never more than
    // its holder's transaction age, which is all there is to go by when it was assigned before sampling began.
    private double held(long id, long now, double transactionAge) {
        for (int i = nextIds.size() - 1; i >= 0; i--) {
            if (nextIds.get(i) <= id) {
                return Math.min((now - sampledAt.get(i)) / 1e9, transactionAge);
            }
        }
        return transactionAge;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }

    /** One line: max and p99 of both figures, the sample count, and what held the benchmark database's maximum. */
    String summary() {
        List<Double> all = sorted(cluster);
        List<Double> mine = sorted(own);
        List<Double> transactions = sorted(oldestTransaction);
        if (all.isEmpty()) {
            return "no samples";
        }
        return String.format("this database max %.2f s, p99 %.2f s; whole cluster max %.2f s, p99 %.2f s (%,d samples every %d ms,"
                        + " ids held; the oldest writing transaction's age, as the gauge counts it: max %.2f s)%s",
                mine.getLast(), percentile(mine, 0.99), all.getLast(), percentile(all, 0.99), all.size(), INTERVAL_MILLIS,
                transactions.getLast(), ownMax > 0.5 ? "; this database's oldest at its max: " + ownMaxWhat : "");
    }

    double ownMax() {
        List<Double> mine = sorted(own);
        return mine.isEmpty() ? 0 : mine.getLast();
    }

    private static List<Double> sorted(List<Double> samples) {
        List<Double> copy;
        synchronized (samples) {
            copy = new ArrayList<>(samples);
        }
        Collections.sort(copy);
        return copy;
    }

    private static double percentile(List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }
}
