package io.eventshop.subscriber.runtime;

import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * Subscribers at {@code /q/health/well}, as details only, always up: a subscriber behind is caught up by its own
 * reader, and taking every pod out of service while it catches up would turn a delay into an outage.
 * Lag is a metric and an alert instead.
 */
@Wellness
@ApplicationScoped
public class SubscriberHealthCheck implements HealthCheck {

    @Inject
    SubscriberRuntime subscribers;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Event subscribers").up();
        for (Subscriber subscriber : subscribers.all()) {
            SubscriberStatus status = subscriber.lastKnownStatus();
            response.withData(status.name(), "%s, lag %d events / %.1f s%s".formatted(status.state(), status.lagEvents(), status.lagSeconds(),
                    status.lastError() == null ? "" : ", last error: " + status.lastError()));
        }
        return response.build();
    }
}
