package io.eventshop.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches the ordering rule from outside while the faults run: every two seconds it reads each relay's checkpoint
 * and counts the category's events at or below it. The relays have read that prefix, so it must never change:
 * an event appearing in it later was skipped by them (it became visible below a read position), one vanishing from
 * it was lost (a failover to a standby that had not got it). The database being away skips a sample.
 */
final class PositionWatch implements AutoCloseable {

    /** A read prefix: the category, its relay's checkpoint, the events at or below it then. */
    record Sample(String category, String transactionId, long position, long events) {
    }

    private static final String PREFIX = "select count(*) from event_store.events where category = ?"
            + " and (transaction_id, global_position) <= (?::xid8, ?)";

    private final Topology topology;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean watching = true;

    PositionWatch(Topology topology) {
        this.topology = topology;
        this.thread = Thread.ofPlatform().daemon().name("chaos-position-watch").start(this::watch);
    }

    private void watch() {
        while (watching) {
            try (Connection db = DriverManager.getConnection(topology.jdbcUrl(), topology.jdbcUser(), topology.jdbcPassword())) {
                db.setReadOnly(true);
                while (watching) {
                    sample(db);
                    Thread.sleep(2000);
                }
            } catch (SQLException away) {
                pause();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample(Connection db) throws SQLException {
        List<Sample> now = new ArrayList<>();
        try (Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("select category, transaction_id::text, global_position from event_store.relay_checkpoints")) {
            while (rows.next()) {
                now.add(new Sample(rows.getString(1), rows.getString(2), rows.getLong(3), 0));
            }
        }
        for (Sample sample : now) {
            synchronized (samples) {
                samples.add(new Sample(sample.category(), sample.transactionId(), sample.position(), count(db, sample)));
            }
        }
    }

    static long count(Connection db, Sample sample) throws SQLException {
        try (PreparedStatement sql = db.prepareStatement(PREFIX)) {
            sql.setString(1, sample.category());
            sql.setString(2, sample.transactionId());
            sql.setLong(3, sample.position());
            try (ResultSet rows = sql.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            watching = false;
        }
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() throws InterruptedException {
        watching = false;
        thread.interrupt();
        thread.join(5000);
    }
}
