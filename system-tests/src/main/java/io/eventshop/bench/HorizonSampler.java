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
 * The store's horizon age while something runs: every 250 ms, the age of the oldest open transaction that
 * holds a transaction id (a writer), as the services' gauge {@code eventshop.store.horizon.age} defines it
 * (common-events' HorizonAge): readers of all events wait behind it. Sampled here in SQL, not read from the
 * gauge, because the gauge is itself refreshed every 5 s (eventshop.store.horizon-check-interval), and because
 * two figures are wanted: the whole cluster's (what the store's readers feel, other databases on the cluster
 * included) and the benchmark database's own (what the services under test hold back; on a shared machine,
 * other tenants' transactions count in the first only). A sample sees a transaction open at its instant, so a
 * maximum is low by at most one interval.
 */
final class HorizonSampler implements AutoCloseable {

    static final long INTERVAL_MILLIS = 250;
    private static final String OLDEST = "select coalesce(extract(epoch from clock_timestamp() - min(started)), 0)::float8,"
            + " coalesce(extract(epoch from clock_timestamp() - min(started) filter (where own)), 0)::float8,"
            + " (array_agg(what order by started) filter (where own))[1]"
            + " from (select xact_start as started, datname = current_database() as own,"
            + " coalesce(nullif(application_name, ''), usename) || ': ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 100) as what"
            + " from pg_stat_activity where backend_xid is not null and pid <> pg_backend_pid()"
            + " union all select prepared, database = current_database(), 'prepared ' || gid from pg_prepared_xacts) writers";

    private final List<Double> cluster = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> own = Collections.synchronizedList(new ArrayList<>());
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
                    row.next();
                    cluster.add(row.getDouble(1));
                    double ownAge = row.getDouble(2);
                    own.add(ownAge);
                    if (ownAge > ownMax) {
                        ownMax = ownAge;
                        ownMaxWhat = row.getString(3);
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

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }

    /** One line: max and p99 of both figures, the sample count, and what held the benchmark database's maximum. */
    String summary() {
        List<Double> all = sorted(cluster);
        List<Double> mine = sorted(own);
        if (all.isEmpty()) {
            return "no samples";
        }
        return String.format("this database max %.2f s, p99 %.2f s; whole cluster max %.2f s, p99 %.2f s (%,d samples every %d ms)%s",
                mine.getLast(), percentile(mine, 0.99), all.getLast(), percentile(all, 0.99), all.size(), INTERVAL_MILLIS,
                ownMax > 0.5 ? "; this database's oldest at its max: " + ownMaxWhat : "");
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
