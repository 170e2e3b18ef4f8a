package io.eventshop.broker;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.rabbitmq.RabbitMQClient;
import io.vertx.rabbitmq.RabbitMQOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * The service's own AMQP connection, kept open for as long as the service runs: readiness reports
 * it, and the relay publishes on it. The service starts even while the broker is down (the store
 * is the truth, the broker only the doorbell); this keeps trying every reconnect interval.
 */
@ApplicationScoped
public class BrokerConnection {

    private static final Logger LOG = Logger.getLogger(BrokerConnection.class);

    @Inject
    BrokerConfig config;
    @Inject
    Vertx vertx;

    private volatile RabbitMQClient client;
    private volatile boolean stopping;

    void onStart(@Observes StartupEvent start) {
        connect();
    }

    void onStop(@Observes ShutdownEvent stop) {
        stopping = true;
        RabbitMQClient current = client;
        if (current != null) {
            current.stopAndAwait();
        }
    }

    /** Whether the connection is open right now. */
    public boolean isConnected() {
        RabbitMQClient current = client;
        return current != null && current.isConnected();
    }

    public String address() {
        return config.host() + ":" + config.port() + config.virtualHost();
    }

    private void connect() {
        RabbitMQOptions options = new RabbitMQOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setUser(config.username())
                .setPassword(config.password())
                .setVirtualHost(config.virtualHost())
                .setConnectionName("eventshop")
                // After a first successful connect the Java client recovers lost connections itself.
                .setAutomaticRecoveryEnabled(true)
                .setNetworkRecoveryInterval(config.reconnectInterval().toMillis());
        RabbitMQClient candidate = RabbitMQClient.create(vertx, options);
        candidate.start().subscribe().with(
                ok -> {
                    client = candidate;
                    LOG.infof("connected to RabbitMQ at %s", address());
                },
                failure -> {
                    LOG.warnf("RabbitMQ at %s is not reachable (%s); retrying every %s", address(), failure.getMessage(),
                            config.reconnectInterval());
                    candidate.stop().subscribe().with(ignored -> { }, ignored -> { });
                    if (!stopping) {
                        vertx.setTimer(config.reconnectInterval().toMillis(), tick -> connect());
                    }
                });
    }
}
