package io.eventshop.relay;

import io.eventshop.store.Checkpoint;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Who relays a category: the holder of a session advisory lock on a connection of its own (not
 * pooled: a session lock lives and dies with its session). The holder also writes the category's
 * checkpoint on that same connection, so a relay that lost its lock (its connection died) cannot
 * move the checkpoint any more, and checkpoints only move forward.
 *
 * <p>A leader that stops answering but keeps its TCP session (a paused or hung process, a machine cut
 * off without a reset) would hold the lock for ever, and no other replica would relay the category. So
 * the lock's session is opened with {@code idle_session_timeout}: Postgres closes it, and so frees the
 * lock, once it has been idle that long, and the leader pings it three times within that time from its
 * event loop. A leader resumed after the server closed its session finds the session gone at its next
 * statement: its checkpoint write fails, it stops leading and competes again (DECISIONS 53).
 *
 * <p>Blocking methods: call them from the relay's own (virtual) thread, never an event loop.
 */
final class RelayLeadership implements AutoCloseable {

    // The two-key form lives in its own lock space (objsubid 2), apart from the appends' one-key
    // per-stream locks, so no stream can ever hash onto a relay's lock and wait behind it forever.
    private static final String TRY_LOCK = "select pg_try_advisory_lock(hashtext('eventshop.relay'), hashtext($1))";
    private static final String LOAD = "select transaction_id::text::bigint, global_position"
            + " from event_store.relay_checkpoints where category = $1";
    private static final String SAVE = "insert into event_store.relay_checkpoints as c (category, transaction_id, global_position)"
            + " values ($1, $2::bigint::text::xid8, $3)"
            + " on conflict (category) do update set transaction_id = excluded.transaction_id,"
            + " global_position = excluded.global_position, updated_at = now()"
            + " where (c.transaction_id, c.global_position) < (excluded.transaction_id, excluded.global_position)";

    private final Vertx vertx;
    private final PgConnectOptions connectOptions;
    private final String category;
    private final Duration timeout;
    private final Duration lockTimeout;
    private final AtomicReference<PgConnection> connection = new AtomicReference<>();

    /**
     * @param timeout     how long one statement on the lock's connection may take
     * @param lockTimeout how long the lock outlives a leader that stopped pinging its session
     */
    RelayLeadership(Vertx vertx, PgConnectOptions connectOptions, String category, Duration timeout, Duration lockTimeout) {
        this.vertx = vertx;
        this.connectOptions = new PgConnectOptions(connectOptions)
                .addProperty("idle_session_timeout", Long.toString(lockTimeout.toMillis()));
        this.category = category;
        this.timeout = timeout;
        this.lockTimeout = lockTimeout;
    }

    /** Whether this relay holds the lock now: its lock connection is open. */
    boolean held() {
        return connection.get() != null;
    }

    /** Tries once to take the lock; true when this relay now leads the category. */
    boolean tryAcquire() {
        if (held()) {
            return true;
        }
        PgConnection candidate = PgConnection.connect(vertx, connectOptions).await().atMost(timeout);
        // Watched from before the lock is asked for: a session that ends between the answer and taking the lead (a
        // failover) must not leave a lead that is held on paper only and never competed for again.
        AtomicBoolean closed = new AtomicBoolean();
        AtomicLong pinger = new AtomicLong(-1);
        candidate.closeHandler(() -> {
            closed.set(true);
            vertx.cancelTimer(pinger.get());
            connection.compareAndSet(candidate, null);
        });
        boolean acquired = false;
        try {
            acquired = candidate.preparedQuery(TRY_LOCK).execute(Tuple.of(category)).await().atMost(timeout)
                    .iterator().next().getBoolean(0);
        } finally {
            if (acquired) {
                connection.set(candidate);
                pinger.set(vertx.setPeriodic(lockTimeout.toMillis() / 3, id -> ping(candidate)));
                if (closed.get()) {
                    vertx.cancelTimer(pinger.get());
                    connection.compareAndSet(candidate, null);
                    acquired = false;
                }
            } else {
                candidate.closeAndAwait();
            }
        }
        return acquired;
    }

    /** The category's saved checkpoint, if a relay ever saved one. */
    Optional<Checkpoint> checkpoint() {
        var rows = lockConnection().preparedQuery(LOAD).execute(Tuple.of(category)).await().atMost(timeout);
        if (rows.size() == 0) {
            return Optional.empty();
        }
        var row = rows.iterator().next();
        return Optional.of(new Checkpoint(row.getLong(0), row.getLong(1)));
    }

    /** Saves {@code published} as the checkpoint unless a later one is saved already. */
    void save(Checkpoint published) {
        lockConnection().preparedQuery(SAVE)
                .execute(Tuple.of(category, published.transactionId(), published.globalPosition()))
                .await().atMost(timeout);
    }

    // Keeps the session from idling into idle_session_timeout while this process runs. A ping that fails means the
    // session is unusable: closing it ends the lead at once rather than at the next checkpoint.
    private void ping(PgConnection session) {
        session.query("select 1").execute().subscribe().with(rows -> {
        }, failure -> session.close().subscribe().with(done -> {
        }, ignored -> {
        }));
    }

    /** Gives up the lead (closing the session releases the lock). */
    @Override
    public void close() {
        PgConnection current = connection.getAndSet(null);
        if (current != null) {
            current.close().await().atMost(timeout);
        }
    }

    private PgConnection lockConnection() {
        PgConnection current = connection.get();
        if (current == null) {
            throw new LeadershipLostException(category);
        }
        return current;
    }

    /** The lock connection is gone: another replica may lead now; this one must stop publishing. */
    static final class LeadershipLostException extends IllegalStateException {
        LeadershipLostException(String category) {
            super("lost the relay lead for category " + category + " (its lock connection closed)");
        }
    }
}
