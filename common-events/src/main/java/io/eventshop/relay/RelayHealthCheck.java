package io.eventshop.relay;

import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * The relays, at {@code /q/health/well}: down while a relay fails its rounds (a standby is up, it has
 * nothing to publish). Not a readiness condition, for the reason {@link io.eventshop.broker.BrokerHealthCheck}
 * gives: a relay that cannot publish delays announcements; it loses nothing, the events wait in the store.
 */
@Wellness
@ApplicationScoped
public class RelayHealthCheck implements HealthCheck {

    @Inject
    RelayRuntime relays;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Event relay").up();
        for (Relay.Status status : relays.statuses()) {
            response.withData(status.category(), status.state() + (status.lastError() == null ? "" : ": " + status.lastError()));
            if (status.state() == Relay.State.FAILING) {
                response.down();
            }
        }
        return response.build();
    }
}
