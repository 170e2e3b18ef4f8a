package io.eventshop.view;

import io.eventshop.subscriber.deadletter.DeadLetter;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.OffsetDateTime;

/**
 * A view's latest rebuild. {@code state}: IDLE (never rebuilt), REPLAYING (reading the store from the
 * start), CATCHING_UP (replayed; takes over once level with the live copy), WAITING (met an event it
 * cannot apply: {@code waitingFor} is the dead letter to redrive or skip; then it continues), SWITCHED
 * (done: the rebuilt copy is live), CANCELLED (an operator ended it; the live copy stayed; {@code
 * error} says why).
 */
@RegisterForReflection
public record RebuildStatus(String view, State state, int liveGeneration, Integer generation, OffsetDateTime startedAt,
        OffsetDateTime finishedAt, Long eventsApplied, Long eventsTotal, Double eventsPerSecond, Long etaSeconds, DeadLetter waitingFor,
        String error) {

    public enum State { IDLE, REPLAYING, CATCHING_UP, WAITING, SWITCHED, CANCELLED }
}
