package io.eventshop.subscriber;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Subscribers in readiness as details only, always up (DESIGN.md, Hard cases): a subscriber behind
 * is caught up by its own reader, and taking every pod out of service while it catches up would
 * turn a delay into an outage. Lag is a metric and an alert instead.
 */
@Readiness
@ApplicationScoped
public class SubscriberHealthCheck implements HealthCheck {

    @Inject
    SubscriberRuntime subscribers;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("Event subscribers").up();
        for (Subscriber subscriber : subscribers.all()) {
            Subscriber.Status status = subscriber.lastKnownStatus();
            long lagEvents = status.categories().stream().mapToLong(Subscriber.CategoryStatus::lagEvents).sum();
            double lagSeconds = status.categories().stream().mapToDouble(Subscriber.CategoryStatus::lagSeconds).max().orElse(0);
            response.withData(status.name(), "%s, lag %d events / %.1f s%s".formatted(status.state(), lagEvents, lagSeconds,
                    status.lastError() == null ? "" : ", last error: " + status.lastError()));
        }
        return response.build();
    }
}
