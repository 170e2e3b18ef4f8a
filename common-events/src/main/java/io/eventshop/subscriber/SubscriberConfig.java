package io.eventshop.subscriber;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "eventshop.subscriber")
public interface SubscriberConfig {

    /**
     * {@code quorum} (replicated, the default) or {@code classic}. A queue keeps the type it was
     * declared with: changing this needs the old queues deleted (they are re-declared on start).
     */
    @WithDefault("quorum")
    String queueType();

    /** Messages per queue delivered before one is acknowledged; they are applied concurrently. */
    @WithDefault("64")
    int prefetch();

    /** Events per catch-up transaction. */
    @WithDefault("1000")
    int pageSize();

    /** How often the catch-up reader looks for what the broker never delivered. */
    @WithDefault("5s")
    Duration catchUpInterval();

    /** Tries of a failing handler before its event is dead-lettered and its stream parked. */
    @WithDefault("5")
    int maxAttempts();

    /** Pause before the second try; doubles per try. */
    @WithDefault("100ms")
    Duration backoff();

    /** Longest pause between tries, also for transient failures (retried without limit). */
    @WithDefault("5s")
    Duration maxBackoff();

    /** Pause before re-opening a consumer after its channel or connection closed. */
    @WithDefault("2s")
    Duration retryInterval();

    default SubscriberOptions options() {
        return new SubscriberOptions(queueType(), prefetch(), pageSize(), catchUpInterval(), maxAttempts(), backoff(),
                maxBackoff(), retryInterval());
    }
}
