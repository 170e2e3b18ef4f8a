package io.eventshop.broker;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only with an open broker connection: a service that cannot ring the doorbell should not take
 * traffic. A dropped connection is re-opened here (a blocking check: Quarkus runs it on a worker
 * thread, bounded by the connection timeout), so a service without a relay recovers too.
 */
@Readiness
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
