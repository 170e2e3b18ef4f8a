package io.eventshop.relay;

import io.eventshop.broker.BrokerConnection;
import io.eventshop.store.EventStore;
import io.eventshop.tracing.EventSpans;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Starts a relay for each category this service writes ({@code eventshop.relay.categories}) and
 * wakes it after every local commit to that category. All relays of a service publish on the
 * service's one {@link BrokerConnection}.
 */
@ApplicationScoped
public class RelayRuntime {

    @Inject
    RelayConfig config;
    @Inject
    BrokerConnection broker;
    @Inject
    EventStore store;
    @Inject
    Vertx vertx;
    @Inject
    MeterRegistry registry;
    @Inject
    EventSpans spans;
    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String databaseUrl;
    @ConfigProperty(name = "quarkus.datasource.username")
    String databaseUser;
    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> databasePassword;

    private final Map<String, Relay> relays = new ConcurrentHashMap<>();

    void onStart(@Observes StartupEvent start) {
        List<String> categories = config.categories().orElse(List.of());
        if (categories.isEmpty()) {
            return;
        }
        // The same database as the pool, but the lock needs a session of its own (RelayLeadership).
        PgConnectOptions database = PgConnectOptions.fromUri(databaseUrl.replaceFirst("^vertx-reactive:", ""))
                .setUser(databaseUser);
        databasePassword.ifPresent(database::setPassword);
        for (String category : categories) {
            Relay relay = Relay.create(category, store, vertx, database, broker, config.options(), registry, spans);
            relays.put(category, relay);
            relay.start();
        }
        store.onCommit(appended -> appended.forEach(category -> {
            Relay relay = relays.get(category);
            if (relay != null) {
                relay.wake();
            }
        }));
    }

    // All at once: one after another, a service with two relays each waiting for its last confirm would
    // outlast Kubernetes' grace period. Each saves its batch in flight if the broker confirms it in time.
    void onStop(@Observes ShutdownEvent stop) {
        List<Thread> stopping = relays.values().stream().map(relay -> Thread.ofVirtual().start(relay::close)).toList();
        for (Thread thread : stopping) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Every relay of this service and what it is doing. */
    public List<Relay.Status> statuses() {
        return relays.values().stream().map(Relay::status).toList();
    }
}
