package io.eventshop.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.StoreFixture;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The store's share of the hard cases (docs/architecture.md): a restored cluster is refused; long transactions are visible. */
class StartUpGuardTest {

    @Test
    void a_store_whose_transaction_ids_are_ahead_of_the_cluster_is_refused_with_a_clear_message() {
        // Its own database: the forged future transaction id would stall every reader of the shared one.
        String database = "eventshop_guard_test";
        LocalPostgres.createDatabase(database, true);
        LocalPostgres.migrateEventStore(database);
        Vertx vertx = Vertx.vertx();
        Pool pool = LocalPostgres.pool(vertx, database, 1);
        try {
            TransactionIdGuard guard = new TransactionIdGuard(pool);
            guard.check().await().indefinitely(); // an empty store passes

            // What a logical restore into a younger cluster looks like: stored ids the cluster has not reached.
            pool.query("insert into event_store.events (transaction_id, event_id, stream_id, category, stream_version, type,"
                    + " schema_version, data, metadata, occurred_at) values ((pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
                    + " + 1000000)::text::xid8, gen_random_uuid(), 'order-restored', 'order', 1, 'io.eventshop.order.placed', 1,"
                    + " '{}', '{\"source\":\"restore\"}', now())").execute().await().indefinitely();

            assertThatThrownBy(() -> guard.check().await().indefinitely())
                    .isInstanceOf(TransactionIdGuard.StoreRestoredIntoAnotherClusterException.class)
                    .hasMessageContaining("logical dump")
                    .hasMessageContaining("next transaction id is");
        } finally {
            pool.closeAndAwait();
            vertx.closeAndAwait();
            LocalPostgres.createDatabase(database, true);
        }
    }

    @Test
    void the_horizon_age_shows_how_long_the_oldest_writing_transaction_has_been_open() {
        try (StoreFixture fx = StoreFixture.open(2)) {
            HorizonAge horizon = new HorizonAge(fx.pool);
            SqlConnection open = fx.pool.getConnectionAndAwait();
            try {
                open.query("begin").executeAndAwait();
                open.query("select pg_current_xact_id()").executeAndAwait(); // takes an xid, as a writer does
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                        .until(() -> horizon.seconds().await().indefinitely() >= 1.0);
            } finally {
                open.query("rollback").executeAndAwait();
                open.closeAndAwait();
            }
            assertThat(horizon.seconds().await().indefinitely()).isLessThan(1.0);
        }
    }
}
