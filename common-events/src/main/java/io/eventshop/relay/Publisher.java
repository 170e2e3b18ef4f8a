package io.eventshop.relay;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.eventshop.store.StoredEvent;
import io.eventshop.wire.CloudEventCodec;
import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Publishes batches of events to a category's durable fanout exchange as persistent structured
 * CloudEvents, and returns only when the broker has confirmed every one of them. One channel in
 * confirm mode; the whole batch is sent before waiting, so the rate is bound by the broker, not by
 * a round trip per message. Blocking: use it from the relay's own thread.
 */
final class Publisher implements AutoCloseable {

    static final String EXCHANGE_PREFIX = "eventshop.";

    private final BrokerConnectionSource connection;
    private final String exchange;
    private final Duration confirmTimeout;
    private Channel channel;

    Publisher(BrokerConnectionSource connection, String category, Duration confirmTimeout) {
        this.connection = connection;
        this.exchange = exchangeFor(category);
        this.confirmTimeout = confirmTimeout;
    }

    static String exchangeFor(String category) {
        return EXCHANGE_PREFIX + category;
    }

    /**
     * Sends {@code events} in order and waits for the broker's confirms.
     *
     * @throws IOException when the broker refused (nacked) a message or the channel failed
     * @throws TimeoutException when the confirms did not arrive within the confirm timeout
     */
    void publish(List<StoredEvent> events) throws IOException, TimeoutException, InterruptedException {
        Channel ch = channel();
        for (StoredEvent event : events) {
            AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                    .contentType(CloudEventCodec.CONTENT_TYPE)
                    .deliveryMode(2) // persistent: survives a broker restart once confirmed
                    .messageId(event.eventId().toString())
                    .type(event.type())
                    .timestamp(Date.from(event.occurredAt()))
                    .build();
            ch.basicPublish(exchange, "", properties, CloudEventCodec.encode(event.event()));
        }
        try {
            ch.waitForConfirmsOrDie(confirmTimeout.toMillis());
        } catch (IOException | TimeoutException e) {
            close(); // a channel that nacked or timed out is closed by waitForConfirmsOrDie; start afresh
            throw e;
        }
    }

    private Channel channel() throws IOException, TimeoutException {
        if (channel == null || !channel.isOpen()) {
            Channel fresh = connection.get().createChannel();
            fresh.exchangeDeclare(exchange, BuiltinExchangeType.FANOUT, true);
            fresh.confirmSelect();
            channel = fresh;
        }
        return channel;
    }

    @Override
    public void close() {
        Channel current = channel;
        channel = null;
        if (current != null && current.isOpen()) {
            try {
                current.close();
            } catch (IOException | TimeoutException | com.rabbitmq.client.AlreadyClosedException ignored) {
                // closing a broken channel: nothing left to release
            }
        }
    }
}
