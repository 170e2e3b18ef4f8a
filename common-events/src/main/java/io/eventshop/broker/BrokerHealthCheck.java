package io.eventshop.broker;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only with an open broker connection: a service that cannot ring the doorbell should not take traffic. */
@Readiness
@ApplicationScoped
public class BrokerHealthCheck implements HealthCheck {

    @Inject
    BrokerConnection broker;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("RabbitMQ connection")
                .status(broker.isConnected())
                .withData("broker", broker.address())
                .build();
    }
}
