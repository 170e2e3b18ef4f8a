package io.eventshop.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.Connection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code rabbitmq.addresses}: a service configured with every node of a cluster connects to whichever answers. Against
 * the machine's broker, listed after two addresses where nothing listens (as two dead nodes).
 */
class BrokerAddressesTest {

    private static final String HOST = System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1");
    private static final int PORT = Integer.parseInt(System.getenv().getOrDefault("RABBITMQ_PORT", "5672"));

    @Test
    void each_connection_finds_the_live_node_among_dead_ones() throws Exception {
        String addresses = HOST + ":" + deadPort() + ", " + HOST + ":" + deadPort() + "," + HOST + ":" + PORT;
        BrokerConnection broker = broker(Optional.of(addresses));
        // The nodes are tried in a random order: several connections meet the dead ones first.
        for (int i = 0; i < 8; i++) {
            Connection connection = broker.get();
            assertThat(connection.isOpen()).isTrue();
            assertThat(connection.getPort()).isEqualTo(PORT);
            connection.close();
        }
        assertThat(broker.address()).isEqualTo(addresses.replace(" ", "") + "/");
    }

    @Test
    void without_addresses_the_host_and_port_are_the_one_node() throws Exception {
        BrokerConnection broker = broker(Optional.empty());
        assertThat(broker.get().getPort()).isEqualTo(PORT);
        assertThat(broker.address()).isEqualTo(HOST + ":" + PORT + "/");
        broker.get().close();
    }

    @Test
    void addresses_are_host_colon_port_separated_by_commas() {
        assertThat(BrokerConnection.parse("rabbit-0:5672, rabbit-1:5673,rabbit-2"))
                .containsExactly(new Address("rabbit-0", 5672), new Address("rabbit-1", 5673), new Address("rabbit-2"));
        assertThatThrownBy(() -> BrokerConnection.parse(" , ")).hasMessageContaining("names no broker");
    }

    private static BrokerConnection broker(Optional<String> addresses) {
        BrokerConnection broker = new BrokerConnection();
        broker.registry = new SimpleMeterRegistry();
        broker.config = new BrokerConfig() {
            @Override
            public String host() {
                return HOST;
            }

            @Override
            public int port() {
                return PORT;
            }

            @Override
            public Optional<String> addresses() {
                return addresses;
            }

            @Override
            public String username() {
                return "guest";
            }

            @Override
            public String password() {
                return "guest";
            }

            @Override
            public String virtualHost() {
                return "/";
            }

            @Override
            public Duration connectionTimeout() {
                return Duration.ofSeconds(2);
            }
        };
        return broker;
    }

    // A port nothing listens on: taken from the kernel, then released.
    private static int deadPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
