package io.eventshop.relay;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.eventshop.broker.BrokerConfig;
import io.eventshop.store.EventStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Starts a relay for each category this service writes ({@code eventshop.relay.categories}) and
 * wakes it after every local commit to that category. All relays of a service share one AMQP
 * connection, opened on first use and re-opened after a failure.
 */
@ApplicationScoped
public class RelayRuntime {

    @Inject
    RelayConfig config;
    @Inject
    BrokerConfig broker;
    @Inject
    EventStore store;
    @Inject
    Vertx vertx;
    @Inject
    MeterRegistry registry;
    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String databaseUrl;
    @ConfigProperty(name = "quarkus.datasource.username")
    String databaseUser;
    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> databasePassword;

    private final Map<String, Relay> relays = new ConcurrentHashMap<>();
    private volatile Connection amqp;

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
            Relay relay = Relay.create(category, store, vertx, database, this::amqp, config.options(), registry);
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

    void onStop(@Observes ShutdownEvent stop) {
        relays.values().forEach(Relay::close);
        Connection current = amqp;
        if (current != null && current.isOpen()) {
            try {
                current.close();
            } catch (IOException e) {
                // shutting down: the broker drops the connection anyway
            }
        }
    }

    /** Every relay of this service and what it is doing. */
    public List<Relay.Status> statuses() {
        return relays.values().stream().map(Relay::status).toList();
    }

    private synchronized Connection amqp() throws IOException, TimeoutException {
        if (amqp == null || !amqp.isOpen()) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setHost(broker.host());
            factory.setPort(broker.port());
            factory.setUsername(broker.username());
            factory.setPassword(broker.password());
            factory.setVirtualHost(broker.virtualHost());
            // The relay re-creates channels itself after a failure; recovery would replay them behind its back.
            factory.setAutomaticRecoveryEnabled(false);
            amqp = factory.newConnection("eventshop-relay");
        }
        return amqp;
    }
}
