package io.eventshop.store;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Wires the store into a Quarkus service: the {@link EventStore} bean, the start-up guard and the
 * horizon age gauge ({@code eventshop.store.horizon.age}, seconds).
 */
@ApplicationScoped
public class EventStoreProducer {

    private static final Logger LOG = Logger.getLogger(EventStoreProducer.class);
    private static final Duration START_UP_CHECK_TIMEOUT = Duration.ofSeconds(30);

    private final AtomicLong horizonAgeMillis = new AtomicLong();
    private volatile long horizonTimer = -1;

    @Produces
    @Singleton
    EventStore eventStore(Pool pool, StoreConfig config, MeterRegistry registry) {
        return new EventStore(pool, config.options(), new StoreMetrics(registry));
    }

    // Runs after Flyway migrated the store (Quarkus migrates before StartupEvent), and fails the
    // start-up rather than serve from a store whose order would be broken.
    void onStart(@Observes StartupEvent start, Pool pool, StoreConfig config, MeterRegistry registry, Vertx vertx) {
        new TransactionIdGuard(pool).check().await().atMost(START_UP_CHECK_TIMEOUT);

        HorizonAge horizon = new HorizonAge(pool);
        Gauge.builder("eventshop.store.horizon.age", horizonAgeMillis, millis -> millis.get() / 1000.0)
                .description("Age of the oldest open writing transaction on the cluster; readers of all events wait behind it")
                .baseUnit("seconds")
                .register(registry);
        horizonTimer = vertx.setPeriodic(config.horizonCheckInterval().toMillis(), tick -> horizon.seconds().subscribe().with(
                seconds -> horizonAgeMillis.set(Math.round(seconds * 1000)),
                failure -> LOG.debugf(failure, "horizon age not measured this time")));
    }

    void onStop(@Observes ShutdownEvent stop, Vertx vertx) {
        if (horizonTimer >= 0) {
            vertx.cancelTimer(horizonTimer);
        }
    }
}
