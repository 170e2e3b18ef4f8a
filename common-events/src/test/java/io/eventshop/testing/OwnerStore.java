package io.eventshop.testing;

import io.eventshop.store.EventStore;
import io.eventshop.store.StoreMetrics;
import io.eventshop.store.StoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgPool;
import io.vertx.sqlclient.PoolOptions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The store as its owner writes it (the migration role, which row-level security lets append any category):
 * for a service's tests that play the other services, as an order-service test appends the product and
 * reservation events inventory-service would. The service under test keeps its own role, which may not.
 * Its appends wake nothing in the service's process: its relays poll and its subscribers catch up.
 */
public final class OwnerStore {

    private static final Map<String, EventStore> STORES = new ConcurrentHashMap<>();
    private static final Vertx VERTX = Vertx.vertx();

    private OwnerStore() {
    }

    /** A store on {@code database} of the machine's Postgres, logged in as {@value LocalPostgres#MIGRATOR}. */
    public static EventStore on(String database) {
        return STORES.computeIfAbsent(database, name -> new EventStore(
                PgPool.pool(VERTX, LocalPostgres.connectOptions(LocalPostgres.PORT, name).setUser(LocalPostgres.MIGRATOR),
                        new PoolOptions().setMaxSize(4)),
                new StoreOptions(false, 500), new StoreMetrics(new SimpleMeterRegistry())));
    }
}
