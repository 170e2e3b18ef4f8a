package io.eventshop.subscriber;

import java.time.Duration;

/**
 * How subscribers behave; see {@link SubscriberConfig} for the documented settings.
 *
 * @param queueType       {@code quorum} or {@code classic}
 * @param prefetch        unacknowledged messages per queue (applied concurrently; each stream stays in order)
 * @param pageSize        events per catch-up transaction
 * @param catchUpInterval pause between catch-up passes
 * @param maxAttempts     tries of a failing handler before its event is dead-lettered
 * @param backoff         pause before the second try; doubles each time up to {@code maxBackoff}
 * @param maxBackoff      longest pause between tries, transient failures included
 * @param retryInterval   pause before re-opening a consumer whose channel closed
 */
public record SubscriberOptions(String queueType, int prefetch, int pageSize, Duration catchUpInterval, int maxAttempts,
        Duration backoff, Duration maxBackoff, Duration retryInterval) {

    public SubscriberOptions {
        if (!queueType.equals("quorum") && !queueType.equals("classic")) {
            throw new IllegalArgumentException("eventshop.subscriber.queue-type is quorum or classic, was " + queueType);
        }
        if (prefetch < 1 || pageSize < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("subscriber prefetch, page size and attempts must be positive");
        }
    }

    /** The pause before try {@code attempt + 1}: backoff, doubled per try, at most maxBackoff. */
    Duration backoffAfter(int attempt) {
        long factor = 1L << Math.min(attempt - 1, 20);
        Duration pause = backoff.multipliedBy(factor);
        return pause.compareTo(maxBackoff) > 0 ? maxBackoff : pause;
    }
}
