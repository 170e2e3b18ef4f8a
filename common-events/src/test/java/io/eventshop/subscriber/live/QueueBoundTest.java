package io.eventshop.subscriber.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.eventshop.testing.StoreFixture;
import io.eventshop.wire.Exchanges;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A subscriber's queue keeps at most its bound of doorbells while its consumer is away, dropping the oldest:
 * a stopped consumer cannot fill the broker. A queue declared earlier without the bound is declared again with it.
 */
class QueueBoundTest {

    @Test
    void a_queue_whose_consumer_is_away_keeps_only_the_newest_doorbells_up_to_its_bound() throws Exception {
        String category = StoreFixture.newCategory("bound");
        String subscriber = "test.bound" + category;
        try (Connection connection = connect(); Channel publisher = connection.createChannel()) {
            QueueConsumer consumer = new QueueConsumer(subscriber, category, "classic", 10, 5);
            consumer.open(connection, (body, settle) -> { });
            consumer.close(); // away: the queue stays, nobody consumes

            publish(publisher, category, 20);

            assertThat(publisher.queueDeclarePassive(consumer.queue()).getMessageCount()).isEqualTo(5);
            try (Channel reader = connection.createChannel()) {
                assertThat(new String(reader.basicGet(consumer.queue(), true).getBody())).as("the oldest were dropped").isEqualTo("15");
            }
            QueueConsumer.deleteTopology(connection, subscriber, List.of(category));
            publisher.exchangeDelete(Exchanges.forCategory(category));
        }
    }

    @Test
    void a_queue_declared_before_it_had_a_bound_is_declared_again_with_it() throws Exception {
        String category = StoreFixture.newCategory("rebound");
        String subscriber = "test.rebound" + category;
        try (Connection connection = connect(); Channel publisher = connection.createChannel()) {
            publisher.queueDeclare(QueueConsumer.queueName(subscriber, category), true, false, false, null); // as an older version did

            QueueConsumer consumer = new QueueConsumer(subscriber, category, "classic", 10, 3);
            consumer.open(connection, (body, settle) -> { });
            assertThat(consumer.isOpen()).isTrue();
            consumer.close();

            publish(publisher, category, 10);
            assertThat(publisher.queueDeclarePassive(consumer.queue()).getMessageCount()).isEqualTo(3);
            QueueConsumer.deleteTopology(connection, subscriber, List.of(category));
            publisher.exchangeDelete(Exchanges.forCategory(category));
        }
    }

    private static void publish(Channel channel, String category, int messages) throws Exception {
        channel.confirmSelect();
        for (int i = 0; i < messages; i++) {
            channel.basicPublish(Exchanges.forCategory(category), "", null, Integer.toString(i).getBytes());
        }
        channel.waitForConfirmsOrDie(5_000);
    }

    private static Connection connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1"));
        return factory.newConnection("queue-bound-test");
    }
}
