package io.eventshop.broker;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The service's one AMQP connection: the relay publishes on it, subscribers consume on it, health reports it. Opened at
 * start-up and again on demand after it dropped. The service starts even while the broker is down
 * (the store is the truth, the broker only the doorbell); the relay's retries re-open it.
 */
@ApplicationScoped
public class BrokerConnection implements BrokerConnectionSource {

    private static final Logger LOG = Logger.getLogger(BrokerConnection.class);

    @Inject
    BrokerConfig config;

    @Inject
    MeterRegistry registry;

    private volatile Connection connection;

    void onStart(@Observes StartupEvent start) {
        // The broker's state is a metric and an alert, not a readiness condition (BrokerHealthCheck says why).
        Gauge.builder("eventshop.broker.connected", this, broker -> broker.connected() ? 1 : 0)
                .description("1 while the service's AMQP connection is open, 0 while the broker is out of reach").register(registry);
        try {
            get();
            LOG.infof("connected to RabbitMQ at %s", address());
        } catch (IOException | TimeoutException e) {
            LOG.warnf("RabbitMQ at %s is not reachable (%s); the relay keeps trying every retry interval", address(), e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent stop) {
        Connection current = connection;
        if (current != null && current.isOpen()) {
            try {
                current.close();
            } catch (IOException e) {
                // shutting down: the broker drops the connection anyway
            }
        }
    }

    /** The open connection, opened (again) if it is not. Blocking: not for an event loop. */
    @Override
    public synchronized Connection get() throws IOException, TimeoutException {
        if (connection == null || !connection.isOpen()) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setUsername(config.username());
            factory.setPassword(config.password());
            factory.setVirtualHost(config.virtualHost());
            factory.setConnectionTimeout((int) config.connectionTimeout().toMillis());
            // A paused node still accepts TCP; its AMQP handshake then waits this long (the client's default is 10 s), with
            // room for a loaded machine.
            factory.setHandshakeTimeout((int) config.connectionTimeout().toMillis() * 3);
            // Users re-create channels after a failure; library recovery would replay them behind their back.
            factory.setAutomaticRecoveryEnabled(false);
            // Several addresses: tried in a random order, so replicas spread over the nodes and a dead first node is not
            // every replica's first try; the first that answers wins. (The client shuffles only with automatic recovery.)
            List<Address> shuffled = new ArrayList<>(addresses());
            Collections.shuffle(shuffled);
            connection = factory.newConnection(shuffled, "eventshop");
        }
        return connection;
    }

    public boolean connected() {
        Connection current = connection;
        return current != null && current.isOpen();
    }

    /** Where the service connects: every node's address, and the virtual host. */
    public String address() {
        return addresses().stream().map(Address::toString).collect(Collectors.joining(",")) + config.virtualHost();
    }

    private List<Address> addresses() {
        return config.addresses().map(BrokerConnection::parse).orElseGet(() -> List.of(new Address(config.host(), config.port())));
    }

    static List<Address> parse(String addresses) {
        List<Address> parsed = Arrays.stream(addresses.split(",")).map(String::strip).filter(address -> !address.isEmpty())
                .map(Address::parseAddress).toList();
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException("rabbitmq.addresses names no broker: '" + addresses + "'");
        }
        return parsed;
    }
}
