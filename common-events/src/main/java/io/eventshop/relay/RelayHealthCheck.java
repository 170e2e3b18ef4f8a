package io.eventshop.relay;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * The relays in readiness (DESIGN.md: DB + broker + the relay for its leader): down while a relay
 * fails its rounds; a standby is ready, it has nothing to publish.
 */
@Readiness
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
