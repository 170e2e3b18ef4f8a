package io.eventshop.subscriber.live;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import io.eventshop.wire.Exchanges;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * One subscriber queue ({@code <subscriber>.<category>}) bound to its category's fanout exchange,
 * with the subscriber's dead-letter exchange and queue, consumed with manual acknowledgements. Each
 * delivery is handed over at once and settled when its transaction has committed (ack) or it was
 * dead-lettered (reject, so the broker keeps its second copy); up to {@code prefetch} are in flight.
 */
public final class QueueConsumer {

    /** How a delivery ended. */
    public enum Settlement { ACK, REJECT }

    private static final Logger LOG = Logger.getLogger(QueueConsumer.class);

    private final String subscriber;
    private final String category;
    private final String queueType;
    private final int maxLength;
    private final int prefetch;
    private volatile Channel channel;

    public QueueConsumer(String subscriber, String category, String queueType, int prefetch, int maxLength) {
        this.subscriber = subscriber;
        this.category = category;
        this.queueType = queueType;
        this.prefetch = prefetch;
        this.maxLength = maxLength;
    }

    public static String queueName(String subscriber, String category) {
        return subscriber + "." + category;
    }

    public static String deadLetterQueueName(String subscriber) {
        return subscriber + ".dead-letters";
    }

    private static String deadLetterExchangeName(String subscriber) {
        return subscriber + ".dead-letters";
    }

    /**
     * Deletes a retired subscriber's queues, its dead-letter queue and exchange; what is not there is passed over.
     * The queues are unbound first and deleted a moment later: RabbitMQ 3.10 fails a publisher's channel, and with
     * it the publisher's whole connection (541 INTERNAL_ERROR), when a message is routed to a quorum queue being deleted.
     */
    public static void deleteTopology(Connection connection, String subscriber, List<String> categories) throws IOException, TimeoutException {
        for (String category : categories) {
            // One channel each: a queue that is not there (404) closes its channel.
            Channel channel = connection.createChannel();
            try {
                channel.queueUnbind(queueName(subscriber, category), Exchanges.forCategory(category), "");
            } catch (IOException | RuntimeException notThere) {
                // the delete below passes over it too
            } finally {
                closeQuietly(channel);
            }
        }
        try {
            Thread.sleep(UNBOUND_BEFORE_DELETE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Channel channel = connection.createChannel()) {
            for (String category : categories) {
                channel.queueDelete(queueName(subscriber, category));
            }
            channel.queueDelete(deadLetterQueueName(subscriber));
            channel.exchangeDelete(deadLetterExchangeName(subscriber));
        }
    }

    private static final Duration UNBOUND_BEFORE_DELETE = Duration.ofSeconds(1);

    public String queue() {
        return queueName(subscriber, category);
    }

    public boolean isOpen() {
        Channel current = channel;
        return current != null && current.isOpen();
    }

    // Bounded, dropping the oldest: they are doorbells, and catch-up applies what a dropped one announced.
    // A queue declared before it had these arguments (or with another bound) refuses the declaration: it
    // is deleted and declared again, losing only doorbells, which the catch-up after every (re)open repairs.
    private Channel declareQueue(Connection connection, Channel channel, String deadLetterExchange) throws IOException {
        Map<String, Object> arguments = Map.of(
                "x-queue-type", queueType,
                "x-dead-letter-exchange", deadLetterExchange,
                "x-max-length", maxLength,
                "x-overflow", "drop-head");
        try {
            channel.queueDeclare(queue(), true, false, false, arguments);
            return channel;
        } catch (IOException e) {
            if (!(e.getCause() instanceof ShutdownSignalException signal) || !String.valueOf(signal.getMessage()).contains("PRECONDITION_FAILED")) {
                throw e;
            }
            LOG.infof("queue %s was declared with other arguments (%s): declaring it again, bounded to %,d doorbells", queue(),
                    signal.getMessage(), maxLength);
            Channel fresh = connection.createChannel();
            fresh.queueDelete(queue());
            fresh.queueDeclare(queue(), true, false, false, arguments);
            return fresh;
        }
    }

    /**
     * Declares the topology and starts consuming; {@code onDelivery} gets the body and a callback to
     * settle it. Declaring first is what makes the exchange keep messages for this subscriber.
     */
    public void open(Connection connection, BiConsumer<byte[], Consumer<Settlement>> onDelivery) throws IOException {
        close();
        Channel declaring = connection.createChannel();
        try {
            String exchange = Exchanges.forCategory(category);
            String deadLetterExchange = deadLetterExchangeName(subscriber);
            declaring.exchangeDeclare(exchange, BuiltinExchangeType.FANOUT, true);
            declaring.exchangeDeclare(deadLetterExchange, BuiltinExchangeType.FANOUT, true);
            // Only a second copy of what Postgres holds: bounded, oldest dropped first.
            declaring.queueDeclare(deadLetterQueueName(subscriber), true, false, false, Map.of("x-max-length", 100_000));
            declaring.queueBind(deadLetterQueueName(subscriber), deadLetterExchange, "");
            declaring = declareQueue(connection, declaring, deadLetterExchange);
            declaring.queueBind(queue(), exchange, "");
            declaring.basicQos(prefetch);
        } catch (IOException | RuntimeException e) {
            closeQuietly(declaring);
            throw e;
        }
        Channel fresh = declaring;
        try {
            fresh.basicConsume(queue(), false, "eventshop-" + queue(), new DefaultConsumer(fresh) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    long deliveryTag = envelope.getDeliveryTag();
                    onDelivery.accept(body, settlement -> settle(fresh, deliveryTag, settlement));
                }

                // The queue was deleted under us: close, so the supervisor declares it again and catches up.
                @Override
                public void handleCancel(String tag) {
                    Thread.ofVirtual().start(() -> closeQuietly(fresh));
                }
            });
        } catch (IOException | RuntimeException e) {
            closeQuietly(fresh);
            throw e;
        }
        channel = fresh;
    }

    public void close() {
        Channel current = channel;
        channel = null;
        if (current != null) {
            closeQuietly(current);
        }
    }

    // Settled from whichever thread finished the transaction; the channel serialises frames, the lock keeps acks whole.
    private static void settle(Channel on, long deliveryTag, Settlement settlement) {
        if (!on.isOpen()) {
            return; // the broker re-delivers it; the protocol skips it as a duplicate if it was applied
        }
        try {
            synchronized (on) {
                if (settlement == Settlement.ACK) {
                    on.basicAck(deliveryTag, false);
                } else {
                    on.basicReject(deliveryTag, false);
                }
            }
        } catch (IOException | RuntimeException e) {
            // The channel closed under us: same as above.
        }
    }

    private static void closeQuietly(Channel channel) {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            // already closing
        }
    }
}
