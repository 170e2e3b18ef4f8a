package io.eventshop.subscriber.deadletter;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.UUID;

/**
 * An event (or a message that could not be read as one) a subscriber gave up on, as the admin API
 * shows it. {@code lineage} is what the subscriber is a copy of (a view generation's view, else the
 * subscriber itself). {@code eventId}, {@code streamId}, {@code streamVersion} and {@code type} are
 * null for an unreadable message; {@code body} is the original message or the stored event as a
 * CloudEvent.
 */
@RegisterForReflection
public record DeadLetter(
        long id,
        String subscriber,
        String lineage,
        UUID eventId,
        String streamId,
        Integer streamVersion,
        String type,
        String reason,
        int attempts,
        String body,
        Status status,
        Instant firstFailedAt,
        Instant lastFailedAt,
        Instant resolvedAt) {

    public enum Status { OPEN, REDRIVEN, SKIPPED }
}
