package io.eventshop.chaos;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * Two messages no relay sent, published on {@code eventshop.order} as anyone allowed on the broker could: a poison
 * one (not a CloudEvent), which every subscriber of orders must dead-letter with a reason, and a forged CloudEvent
 * naming an order event the store does not hold, which must change nothing at all.
 */
record PlantedMessages(String marker, String forgedEventId, String forgedStream) {

    static PlantedMessages plant(String amqpUri, long seed) throws Exception {
        String marker = "chaos-planted-poison-" + seed;
        UUID order = UUID.randomUUID();
        PlantedMessages planted = new PlantedMessages(marker, UUID.randomUUID().toString(), "order-" + order);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(amqpUri);
        try (Connection connection = factory.newConnection("chaos-planter"); Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder().deliveryMode(2)
                    .contentType("application/cloudevents+json").build();
            channel.basicPublish("eventshop.order", "", persistent, ("{\"not\":\"a CloudEvent\",\"marker\":\"" + marker + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
            String forged = """
                    {"specversion":"1.0","id":"%s","source":"chaos-suite","type":"io.eventshop.order.confirmed",
                     "subject":"%s","time":"%s","datacontenttype":"application/json","streamversion":1,"schemaversion":1,
                     "data":{"orderId":"%s"}}""".formatted(planted.forgedEventId(), planted.forgedStream(), Instant.now(), order);
            channel.basicPublish("eventshop.order", "", persistent, forged.getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(30_000);
        }
        return planted;
    }
}
