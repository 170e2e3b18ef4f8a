package io.eventshop.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.LocalRabbitMq;
import java.io.IOException;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each service's Postgres role and RabbitMQ user may do its own work and nothing of another's: the
 * roles and users deploy/local/infra makes, on a store migrated as in production (by the migration role).
 * Every refusal is shown beside the same call by the role that may make it, which succeeds.
 */
class LeastPrivilegeTest {

    private static final String DATABASE = "eventshop_privileges";
    private static final String APPEND = "select * from event_store.append_events(?, ?, null, ?::json, false)";

    @BeforeAll
    static void store() {
        LocalPostgres.createDatabase(DATABASE, true);
        LocalPostgres.migrateEventStore(DATABASE);
    }

    @Test
    void analytics_can_read_the_store_but_neither_insert_into_it_nor_call_the_append() throws SQLException {
        try (var analytics = connect("eventshop_analytics")) {
            analytics.createStatement().executeQuery("select count(*) from event_store.events").close();
            assertThatThrownBy(() -> analytics.createStatement().execute("insert into event_store.events (event_id, stream_id, category,"
                    + " stream_version, type, schema_version, data, metadata, occurred_at) values (gen_random_uuid(), 'order-x', 'order',"
                    + " 1, 't', 1, '{}', '{}', now())"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for table events")
                    .satisfies(e -> System.out.println("eventshop_analytics inserting an event: " + e.getMessage()));
            assertThatThrownBy(() -> append(analytics, "order-" + UUID.randomUUID(), "order"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for function append_events")
                    .satisfies(e -> System.out.println("eventshop_analytics calling the append: " + e.getMessage()));
        }
    }

    @Test
    void each_service_appends_only_its_own_categories() throws SQLException {
        try (var order = connect("eventshop_order"); var inventory = connect("eventshop_inventory")) {
            append(order, "order-" + UUID.randomUUID(), "order");
            append(inventory, "product-" + UUID.randomUUID(), "product");
            append(inventory, "reservation-" + UUID.randomUUID(), "reservation");
            assertThatThrownBy(() -> append(order, "product-" + UUID.randomUUID(), "product"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security")
                    .satisfies(e -> System.out.println("eventshop_order appending a product event: " + e.getMessage()));
            assertThatThrownBy(() -> append(inventory, "order-" + UUID.randomUUID(), "order"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
        }
    }

    @Test
    void an_event_is_the_writers_only_when_its_stream_and_type_are_of_its_category_too() throws SQLException {
        try (var order = connect("eventshop_order")) {
            // A reservation event in a reservation stream, filed under the category order may write.
            assertThatThrownBy(() -> append(order, "reservation-" + UUID.randomUUID(), "order", "io.eventshop.reservation.stock-reserved"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
            assertThatThrownBy(() -> append(order, "reservation-" + UUID.randomUUID(), "order", "io.eventshop.order.placed"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
            assertThatThrownBy(() -> append(order, "order-" + UUID.randomUUID(), "order", "io.eventshop.reservation.stock-reserved"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
            append(order, "order-" + UUID.randomUUID(), "order", "io.eventshop.order.placed");
        }
    }

    @Test
    void a_service_keeps_only_its_own_subscribers_rows() throws SQLException {
        String stream = "order-" + UUID.randomUUID();
        try (var inventory = connect("eventshop_inventory")) {
            inventory.createStatement().execute("insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
                    + " values ('inventory.reservations', '" + stream + "', 1)");
        }
        try (var analytics = connect("eventshop_analytics")) {
            // Another service's rows are not there for it: nothing to read, nothing to change ...
            assertThat(analytics.createStatement().executeUpdate("update event_store.subscriber_streams set skip_versions = '{2}'"
                    + " where subscriber = 'inventory.reservations' and stream_id = '" + stream + "'")).isZero();
            try (var rows = analytics.createStatement().executeQuery("select count(*) from event_store.subscriber_streams"
                    + " where subscriber = 'inventory.reservations'")) {
                rows.next();
                assertThat(rows.getLong(1)).isZero();
            }
            // ... and none to add.
            assertThatThrownBy(() -> analytics.createStatement().execute("insert into event_store.dead_letters (subscriber, lineage,"
                    + " reason, attempts, body, status) values ('order.saga', 'order.saga', 'forged', 1, '{}', 'SKIPPED')"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("row-level security");
            analytics.createStatement().execute("insert into event_store.subscriber_streams (subscriber, stream_id, last_version)"
                    + " values ('analytics.sales', '" + stream + "', 1)");
        }
        try (var inventory = connect("eventshop_inventory"); var rows = inventory.createStatement().executeQuery(
                "select skip_versions::text from event_store.subscriber_streams where subscriber = 'inventory.reservations' and stream_id = '"
                        + stream + "'")) {
            rows.next();
            assertThat(rows.getString(1)).isEqualTo("{}");
        }
    }

    @Test
    void no_service_can_rewrite_the_store_or_its_migration_history() throws SQLException {
        try (var order = connect("eventshop_order")) {
            String stream = "order-" + UUID.randomUUID();
            append(order, stream, "order");
            assertThatThrownBy(() -> order.createStatement().execute("update event_store.events set data = '{}' where stream_id = '" + stream + "'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for table events");
            assertThatThrownBy(() -> order.createStatement().execute("delete from event_store.events where stream_id = '" + stream + "'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied for table events");
            assertThatThrownBy(() -> order.createStatement().execute("delete from event_store.flyway_schema_history"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
        }
    }

    @Test
    void inventorys_broker_user_cannot_publish_to_the_order_exchange() throws Exception {
        String vhost = "eventshop_privileges";
        LocalRabbitMq.freshVirtualHost(vhost);
        try (Connection inventory = connect(vhost, "eventshop-inventory")) {
            publish(inventory, "eventshop.product"); // its own: confirmed
            IOException refused = assertThrows(IOException.class, () -> publish(inventory, "eventshop.order"));
            String reason = String.valueOf(refused.getMessage()) + " / " + refused.getCause();
            System.out.println("eventshop-inventory publishing to eventshop.order: " + reason);
            assertThat(reason).contains("ACCESS_REFUSED");
        }
    }

    // Declares the exchange as its owner would, then publishes one message and waits for the broker's confirm.
    private static void publish(Connection connection, String exchange) throws IOException, InterruptedException, TimeoutException {
        try (Connection owner = connect("eventshop_privileges", "guest"); Channel declare = owner.createChannel()) {
            declare.exchangeDeclare(exchange, BuiltinExchangeType.FANOUT, true);
        }
        Channel channel = connection.createChannel();
        try {
            channel.confirmSelect();
            channel.basicPublish(exchange, "", null, "{}".getBytes());
            channel.waitForConfirmsOrDie(5_000);
        } catch (ShutdownSignalException closed) { // the broker closed the channel: the refusal
            throw new IOException(closed.getMessage(), closed);
        } finally {
            if (channel.isOpen()) {
                channel.close();
            }
        }
    }

    private static Connection connect(String vhost, String user) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setVirtualHost(vhost);
        factory.setUsername(user);
        factory.setPassword(user.equals("guest") ? "guest" : "eventshop-dev");
        return factory.newConnection("least-privilege-test");
    }

    private static java.sql.Connection connect(String role) throws SQLException {
        return DriverManager.getConnection(LocalPostgres.jdbcUrl(DATABASE), role, "");
    }

    private static void append(java.sql.Connection connection, String stream, String category) throws SQLException {
        append(connection, stream, category, "io.eventshop." + category + ".happened");
    }

    private static void append(java.sql.Connection connection, String stream, String category, String type) throws SQLException {
        try (PreparedStatement append = connection.prepareStatement(APPEND)) {
            append.setString(1, stream);
            append.setString(2, category);
            append.setString(3, "[{\"event_id\":\"" + UUID.randomUUID() + "\",\"type\":\"" + type + "\",\"schema_version\":1,\"data\":{},"
                    + "\"metadata\":{},\"occurred_at\":\"2026-12-02T00:00:00Z\"}]");
            append.executeQuery().close();
        }
    }
}
