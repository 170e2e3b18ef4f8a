package io.eventshop.analytics.views;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.OffsetDateTime;

/** One row of {@code analytics.view_generations}: a copy of a view, live, being built, or done with. */
@RegisterForReflection
public record Generation(String view, int number, Role role, int definitionVersion, boolean ready, OffsetDateTime createdAt,
        Long totalEvents, OffsetDateTime switchedAt, OffsetDateTime retiredAt, OffsetDateTime droppedAt, String error) {

    public enum Role { LIVE, SHADOW, RETIRED, FAILED }

    /** The subscriber that fills it: {@code analytics.<view>.g<N>}. */
    public String subscriber() {
        return subscriber(view, number);
    }

    /** The schema holding its tables: {@code analytics_<view>_g<N>}. */
    public String schema() {
        return "analytics_" + view + "_g" + number;
    }

    static String subscriber(String view, int number) {
        return "analytics." + view + ".g" + number;
    }

    static String subscriberPrefix(String view) {
        return "analytics." + view + ".g";
    }
}
