package io.eventshop.broker;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the broker is: {@code rabbitmq.*} (env {@code RABBITMQ_HOST}, …), the keys the Quarkus RabbitMQ
 * connector reads too, so a service that adds connector channels of its own configures one broker once.
 */
@ConfigMapping(prefix = "rabbitmq")
public interface BrokerConfig {

    @WithDefault("127.0.0.1")
    String host();

    @WithDefault("5672")
    int port();

    /**
     * Every node of a broker cluster, {@code host:port} separated by commas (env {@code RABBITMQ_ADDRESSES}, e.g.
     * {@code rabbit-0:5672,rabbit-1:5672,rabbit-2:5672}). Each connection tries them in a random order and takes the
     * first that answers, so the replicas spread over the nodes and a dead node is skipped. Unset: {@link #host()} and
     * {@link #port()}, one node.
     */
    Optional<String> addresses();

    /** The service's own user (eventshop-order, ...: application.properties), limited to its exchanges and queues. */
    String username();

    /** No default: production sets it from a Secret; local profiles use the dev password deploy/local/infra sets. */
    String password();

    @WithName("virtual-host")
    @WithDefault("/")
    String virtualHost();

    /** How long one attempt to connect may take. */
    @WithName("connection-timeout")
    @WithDefault("2s")
    Duration connectionTimeout();
}
