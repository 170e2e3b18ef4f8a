package io.eventshop.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventshop.testing.LocalDatabaseResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** The service's pool: no transaction idles and no statement runs for ever. */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class StoreConnectionSettingsTest {

    @Inject
    Pool pool;

    @Test
    void pooled_connections_end_transactions_left_idle_so_they_cannot_hold_back_readers() {
        String timeout = pool.query("show idle_in_transaction_session_timeout").executeAndAwait().iterator().next().getString(0);
        assertThat(timeout).isEqualTo("30s");
    }

    @Test
    void pooled_connections_bound_every_statement() {
        String timeout = pool.query("show statement_timeout").executeAndAwait().iterator().next().getString(0);
        assertThat(timeout).isEqualTo("2min");
    }

    @Test
    void the_store_is_migrated_with_its_own_history() {
        long applied = pool.query("select count(*) from event_store.flyway_schema_history where success").executeAndAwait()
                .iterator().next().getLong(0);
        assertThat(applied).isGreaterThanOrEqualTo(1);
    }
}
