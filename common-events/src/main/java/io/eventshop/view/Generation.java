package io.eventshop.view;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.OffsetDateTime;

/** One row of {@code event_store.view_generations}: a copy of a view, live, being built, or done with. */
@RegisterForReflection
public record Generation(String view, int number, Role role, int definitionVersion, boolean ready, OffsetDateTime createdAt,
        Long totalEvents, OffsetDateTime switchedAt, OffsetDateTime retiredAt, OffsetDateTime droppedAt, String error) {

    public enum Role { LIVE, SHADOW, RETIRED, FAILED }

    /** The subscriber that fills it: {@code <view>.g<N>}. */
    public String subscriber() {
        return subscriber(view, number);
    }

    static String subscriber(String view, int number) {
        return subscriberPrefix(view) + number;
    }

    static String subscriberPrefix(String view) {
        return view + ".g";
    }
}
