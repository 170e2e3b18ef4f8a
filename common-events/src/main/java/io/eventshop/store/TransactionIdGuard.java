package io.eventshop.store;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * Refuses a cluster whose transaction ids are behind the ones stored in the event store.
 *
 * <p>The ordering rule compares stored {@code transaction_id}s with the server's running ones. A
 * logical dump restored into another cluster keeps the old ids but the new cluster counts from
 * its own, lower, position: new events would sort before old ones and every reader's checkpoint
 * would skip them. Detecting it at start-up is cheap (one index probe); running on is silent loss.
 */
public final class TransactionIdGuard {

    private static final String CHECK = "select (select transaction_id::text from event_store.events"
            + " order by transaction_id desc limit 1), pg_snapshot_xmax(pg_current_snapshot())::text";

    private final Pool pool;

    public TransactionIdGuard(Pool pool) {
        this.pool = pool;
    }

    /** Fails with {@link StoreRestoredIntoAnotherClusterException} when the cluster is behind the store. */
    public Uni<Void> check() {
        return pool.query(CHECK).execute().map(rows -> rows.iterator().next()).invoke(TransactionIdGuard::verify).replaceWithVoid();
    }

    private static void verify(Row row) {
        String newestStored = row.getString(0);
        long nextTransaction = Long.parseLong(row.getString(1));
        if (newestStored != null && Long.parseLong(newestStored) >= nextTransaction) {
            throw new StoreRestoredIntoAnotherClusterException(Long.parseLong(newestStored), nextTransaction);
        }
    }

    /** The store holds transaction ids this cluster has not reached yet. */
    public static final class StoreRestoredIntoAnotherClusterException extends IllegalStateException {

        StoreRestoredIntoAnotherClusterException(long newestStored, long nextTransaction) {
            super("The event store holds events of transaction " + newestStored + ", but this Postgres cluster's next"
                    + " transaction id is " + nextTransaction + ". The store was most likely restored from a logical dump"
                    + " (pg_dump/pg_restore) into another cluster; new events would sort before stored ones and readers"
                    + " would skip them. Restore with a physical backup (pg_basebackup, CloudNativePG backups) instead,"
                    + " or advance this cluster's transaction id past " + newestStored + " (pg_resetwal --next-transaction-id"
                    + " on a stopped cluster) before starting eventshop. See docs/operations.md, The database.");
        }
    }
}
