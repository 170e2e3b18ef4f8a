package io.eventshop.analytics;

import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.LocalRabbitMq;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * analytics-service's tests start from an empty store on a database of their own, dropped and made
 * again each run, and a RabbitMQ virtual host of their own, likewise made again: their
 * comparisons with a reference computed from the store hold only over a store they wrote alone.
 */
public class FreshAnalyticsDatabase implements QuarkusTestResourceLifecycleManager {

    public static final String NAME = "eventshop_analytics_test";

    @Override
    public Map<String, String> start() {
        LocalPostgres.createDatabase(NAME, true);
        try {
            // No queue of an earlier run keeps taking copies of this run's messages; the service's user may do anything
            // there, since this test process also relays the order, product and reservation events its tests append.
            LocalRabbitMq.freshVirtualHost(NAME, "open");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return Map.of("eventshop.db.name", NAME, "%test.eventshop.db.name", NAME,
                "rabbitmq.virtual-host", NAME, "%test.rabbitmq.virtual-host", NAME);
    }

    @Override
    public void stop() {
        // Kept after the run, to look at; the next run drops it.
    }
}
