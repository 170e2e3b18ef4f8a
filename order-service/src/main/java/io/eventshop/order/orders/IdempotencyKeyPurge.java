package io.eventshop.order.orders;

import io.eventshop.store.EventStore;
import io.eventshop.worker.Worker;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Deletes Idempotency-Keys older than {@code eventshop.orders.idempotency-key-ttl} (24 h), which placing no
 * longer honours, every {@code eventshop.orders.idempotency-key-purge-interval} (1 h), in batches of 10,000 so
 * that no transaction runs long. Every replica purges; deleting a row twice deletes it once.
 */
@ApplicationScoped
public class IdempotencyKeyPurge {

    private static final Logger LOG = Logger.getLogger(IdempotencyKeyPurge.class);
    private static final int BATCH = 10_000;
    private static final String PURGE = "delete from orders.idempotency_keys where ctid = any(array("
            + "select ctid from orders.idempotency_keys where created_at <= $1 limit " + BATCH + "))";

    private final EventStore store;
    private final Clock clock;
    private final Duration ttl;
    private final Duration interval;
    private final Worker worker = new Worker("eventshop-idempotency-key-purge");

    IdempotencyKeyPurge(EventStore store, Clock clock,
            @ConfigProperty(name = "eventshop.orders.idempotency-key-ttl", defaultValue = "24h") Duration ttl,
            @ConfigProperty(name = "eventshop.orders.idempotency-key-purge-interval", defaultValue = "1h") Duration interval) {
        this.store = store;
        this.clock = clock;
        this.ttl = ttl;
        this.interval = interval;
    }

    void onStart(@Observes StartupEvent start) {
        worker.startEvery(interval, this::purge,
                e -> LOG.warnf("purging expired Idempotency-Keys failed (%s); trying again in %s", e.getMessage(), interval));
    }

    void onStop(@Observes ShutdownEvent stop) {
        worker.stop(Duration.ofSeconds(5));
    }

    private void purge() {
        long purged = 0;
        int batch;
        do {
            batch = purgeBatch().await().atMost(Duration.ofMinutes(1));
            purged += batch;
        } while (batch == BATCH && worker.running());
        if (purged > 0) {
            LOG.infof("purged %,d Idempotency-Key(s) older than %s", purged, ttl);
        }
    }

    /** Deletes one batch of expired keys; returns how many. */
    Uni<Integer> purgeBatch() {
        OffsetDateTime expired = OffsetDateTime.ofInstant(clock.instant().minus(ttl), ZoneOffset.UTC);
        return store.inTransaction(tx -> tx.connection().preparedQuery(PURGE).execute(Tuple.of(expired)).map(rows -> rows.rowCount()));
    }
}
