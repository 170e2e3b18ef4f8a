package io.eventshop.broker;

import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * The broker connection, at {@code /q/health/well} (and in {@code /q/health}): shown, never a readiness
 * condition. Shoppers need the database, not the broker: orders placed while it is away are stored, and
 * confirmed by the subscribers' catch-up from the store; the relay announces them when it is back. A
 * service made unready by a broker outage would refuse the orders the store would take. A dropped
 * connection is re-opened here too (a blocking check: Quarkus runs it on a worker thread, bounded by the
 * connection timeout); the {@code eventshop_broker_connected} gauge and its alert carry the state.
 */
@Wellness
@ApplicationScoped
public class BrokerHealthCheck implements HealthCheck {

    @Inject
    BrokerConnection broker;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("RabbitMQ connection").withData("broker", broker.address());
        try {
            broker.get();
            return response.up().build();
        } catch (IOException | TimeoutException e) {
            return response.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
