package io.eventshop.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.eventshop.wire.Exchanges;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

/**
 * What the relays publish, as a third party on the broker sees it: an exclusive queue of its own bound to each
 * category's fanout exchange, keeping each message's CloudEvent attributes and its {@code traceparent} header.
 */
final class WireTap implements AutoCloseable {

    record Message(String id, String correlationId, String causationId, String traceparent, String header) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection connection;
    private final Channel channel;
    private final Map<String, List<Message>> byCorrelation = new ConcurrentHashMap<>();

    WireTap(String vhost, List<String> categories) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1"); // as guest, whom the test's virtual host admits (LocalRabbitMq.freshVirtualHost)
        factory.setVirtualHost(vhost);
        connection = factory.newConnection("wire-tap");
        channel = connection.createChannel();
        String queue = channel.queueDeclare().getQueue();
        for (String category : categories) {
            channel.exchangeDeclarePassive(Exchanges.forCategory(category));
            channel.queueBind(queue, Exchanges.forCategory(category), "");
        }
        channel.basicConsume(queue, true, (tag, delivery) -> {
            JsonNode event = JSON.readTree(delivery.getBody());
            Object header = delivery.getProperties().getHeaders() == null ? null : delivery.getProperties().getHeaders().get("traceparent");
            Message message = new Message(event.path("id").asText(), event.path("correlationid").asText(null),
                    event.path("causationid").asText(null), event.path("traceparent").asText(null), Objects.toString(header, null));
            if (message.correlationId() != null) {
                byCorrelation.computeIfAbsent(message.correlationId(), id -> new CopyOnWriteArrayList<>()).add(message);
            }
        }, tag -> { });
    }

    List<Message> of(String correlationId) {
        return List.copyOf(byCorrelation.getOrDefault(correlationId, List.of()));
    }

    /** Cuts a subscriber's queue off its category's exchange: the doorbells it would get are lost. */
    void unbind(String queue, String category) throws IOException {
        channel.queueUnbind(queue, Exchanges.forCategory(category), "");
    }

    void bind(String queue, String category) throws IOException {
        channel.queueBind(queue, Exchanges.forCategory(category), "");
    }

    @Override
    public void close() throws IOException, TimeoutException {
        connection.close();
    }
}
