package io.eventshop.testing;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.NewEvent;
import io.eventshop.events.StreamId;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreMetrics;
import io.eventshop.store.StoreOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import org.eclipse.microprofile.context.spi.ContextManagerProvider;

/**
 * One migrated test database and a store on it, shared by a test class. Tests never assume the
 * store is empty: each makes its own stream ids and reads from checkpoints it took itself.
 */
public final class StoreFixture implements AutoCloseable {

    /** {@code eventshop_test}, or the {@code eventshop.test.database} property: a run of its own on a Postgres others test on too. */
    public static final String DATABASE = System.getProperty("eventshop.test.database", "eventshop_test");

    public final Vertx vertx = Vertx.vertx();
    public final Pool pool;
    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    public final EventStore store;

    public final int port;
    public final String database;

    private StoreFixture(int port, String database, int poolSize, StoreOptions options) {
        // MicroProfile Context Propagation (on the classpath through Quarkus, which registers it at boot)
        // initialises itself lazily and not thread-safely when there is no Quarkus: two threads making
        // their first Vert.x call at once fail with "ContextManagerProvider already set". Do it here.
        ContextManagerProvider.instance();
        this.port = port;
        this.database = database;
        pool = LocalPostgres.pool(vertx, port, database, poolSize);
        store = new EventStore(pool, options, new StoreMetrics(meters));
    }

    /** The shared test database, created and migrated when missing. */
    public static StoreFixture open(int poolSize) {
        LocalPostgres.createDatabase(DATABASE, false);
        LocalPostgres.migrateEventStore(DATABASE);
        return new StoreFixture(LocalPostgres.PORT, DATABASE, poolSize, new StoreOptions(false, 500));
    }

    /** A fresh, migrated database on the server at {@code port} (e.g. an {@link OwnPostgres}). */
    public static StoreFixture fresh(int port, String database, int poolSize) {
        LocalPostgres.createDatabase(port, database, true);
        LocalPostgres.migrateEventStore(port, database);
        return new StoreFixture(port, database, poolSize, new StoreOptions(false, 500));
    }

    /** A category no other test uses ({@code prefix} + 12 random letters), so its checkpoints and exchange start fresh. */
    public static String newCategory(String prefix) {
        StringBuilder category = new StringBuilder(prefix);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 12; i++) {
            category.append((char) ('a' + random.nextInt(26)));
        }
        return category.toString();
    }

    public static StreamId newStream(String category) {
        return StreamId.of(category, UUID.randomUUID());
    }

    public static List<NewEvent> events(int count, String label) {
        return IntStream.range(0, count)
                .mapToObj(i -> new NewEvent(UUID.randomUUID(), "io.eventshop.test.happened", 1,
                        "{\"label\":\"" + label + "\",\"n\":" + i + "}",
                        new EventMetadata(null, null, "store-test", null, null), Instant.now()))
                .toList();
    }

    @Override
    public void close() {
        pool.closeAndAwait();
        vertx.closeAndAwait();
    }
}
