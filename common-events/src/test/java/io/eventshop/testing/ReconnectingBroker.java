package io.eventshop.testing;

import com.rabbitmq.client.Connection;
import io.eventshop.broker.BrokerConnectionSource;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/** What the services' BrokerConnection does, on a test's own broker: one connection, opened again after it dropped. */
public final class ReconnectingBroker implements BrokerConnectionSource, AutoCloseable {

    private final OwnRabbitMq broker;
    private final String name;
    private Connection connection;

    public ReconnectingBroker(OwnRabbitMq broker, String name) {
        this.broker = broker;
        this.name = name;
    }

    @Override
    public synchronized Connection get() throws IOException, TimeoutException {
        if (connection == null || !connection.isOpen()) {
            connection = broker.connect(name);
        }
        return connection;
    }

    @Override
    public synchronized void close() throws IOException {
        if (connection != null && connection.isOpen()) {
            connection.close();
        }
    }
}
