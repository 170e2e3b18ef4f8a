package io.eventshop.broker;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;

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
