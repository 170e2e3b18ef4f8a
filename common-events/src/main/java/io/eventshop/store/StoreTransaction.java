package io.eventshop.store;

import io.vertx.mutiny.sqlclient.SqlConnection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The caller's database transaction, which appends join: the state change made on
 * {@link #connection()} and the events appended with it commit together or not at all.
 *
 * <p>Obtain one from {@link EventStore#inTransaction}, which begins it, commits it when the work
 * succeeds and only then counts what was appended. Use it on the thread and Vert.x context it was
 * handed to, and keep it short: an open transaction holds back every reader of all events.
 */
public final class StoreTransaction {

    private final SqlConnection connection;
    private final Map<String, Integer> appendedByCategory = new ConcurrentHashMap<>();
    private final List<Runnable> afterCommit = new CopyOnWriteArrayList<>();

    StoreTransaction(SqlConnection connection) {
        this.connection = connection;
    }

    /** The connection the transaction runs on: make the state change on it. */
    public SqlConnection connection() {
        return connection;
    }

    void recordAppended(String category, int count) {
        appendedByCategory.merge(category, count, Integer::sum);
    }

    /**
     * Runs {@code action} once this transaction has committed, never if it rolls back: for what must
     * reflect only what is durable (metrics, in-process signals). It runs on the event loop: keep it short.
     */
    public void afterCommit(Runnable action) {
        afterCommit.add(action);
    }

    List<Runnable> afterCommitActions() {
        return afterCommit;
    }

    Map<String, Integer> appendedByCategory() {
        return appendedByCategory;
    }
}
