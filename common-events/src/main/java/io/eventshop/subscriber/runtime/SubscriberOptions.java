package io.eventshop.subscriber.runtime;

import io.eventshop.subscriber.pipeline.RetryPolicy;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How subscribers behave; see {@link SubscriberConfig} for the documented settings.
 *
 * @param queueType             {@code quorum} or {@code classic}
 * @param prefetch              unacknowledged messages per queue (applied concurrently; each stream stays in order)
 * @param pageSize              events per catch-up or replay transaction
 * @param catchUpInterval       pause between catch-up passes, and how long a pass leaves a new event to its doorbell
 * @param maxAttempts           tries of a failing handler before its event is dead-lettered
 * @param maxContentionAttempts tries of an event that keeps meeting contention before it is dead-lettered
 * @param handlerTimeout        the longest a handler may take for an event or a page before the try counts as failed
 * @param backoff               pause after the first failure; doubles each time up to {@code maxBackoff}, with jitter
 * @param maxBackoff            longest pause between tries
 * @param retryInterval         pause before re-opening a consumer whose channel closed
 * @param queueMaxLength        doorbells a queue keeps for a consumer that is away; the oldest are dropped beyond it
 * @param liveBatchSize         the most live deliveries of one queue applied in one transaction
 * @param liveBatchWait         the longest a live delivery waits for others to join its batch while another batch of its
 *                              queue applies (an idle queue applies a delivery at once)
 */
public record SubscriberOptions(String queueType, int prefetch, int pageSize, Duration catchUpInterval, int maxAttempts,
        int maxContentionAttempts, Duration handlerTimeout, Duration backoff, Duration maxBackoff, Duration retryInterval,
        int queueMaxLength, int liveBatchSize, Duration liveBatchWait) {

    /** The default bound of {@link #queueMaxLength}, as {@code eventshop.subscriber.queue-max-length} has it. */
    public static final int QUEUE_MAX_LENGTH = 50_000;
    /** The default of {@link #liveBatchSize}, as {@code eventshop.subscriber.live-batch-size} has it. */
    public static final int LIVE_BATCH_SIZE = 64;
    /** The default of {@link #liveBatchWait}, in milliseconds, as {@code eventshop.subscriber.live-batch-wait} has it. */
    public static final int LIVE_BATCH_WAIT_MILLIS = 5;

    public SubscriberOptions(String queueType, int prefetch, int pageSize, Duration catchUpInterval, int maxAttempts,
            int maxContentionAttempts, Duration handlerTimeout, Duration backoff, Duration maxBackoff, Duration retryInterval,
            int queueMaxLength) {
        this(queueType, prefetch, pageSize, catchUpInterval, maxAttempts, maxContentionAttempts, handlerTimeout, backoff, maxBackoff,
                retryInterval, queueMaxLength, LIVE_BATCH_SIZE, Duration.ofMillis(LIVE_BATCH_WAIT_MILLIS));
    }

    public SubscriberOptions(String queueType, int prefetch, int pageSize, Duration catchUpInterval, int maxAttempts,
            int maxContentionAttempts, Duration handlerTimeout, Duration backoff, Duration maxBackoff, Duration retryInterval) {
        this(queueType, prefetch, pageSize, catchUpInterval, maxAttempts, maxContentionAttempts, handlerTimeout, backoff, maxBackoff,
                retryInterval, QUEUE_MAX_LENGTH);
    }

    public SubscriberOptions {
        if (!queueType.equals("quorum") && !queueType.equals("classic")) {
            throw new IllegalArgumentException("eventshop.subscriber.queue-type is quorum or classic, was " + queueType);
        }
        if (prefetch < 1 || pageSize < 1 || maxAttempts < 1 || maxContentionAttempts < 1 || queueMaxLength < 1 || liveBatchSize < 1) {
            throw new IllegalArgumentException("subscriber prefetch, page size, attempts, queue length and live batch size must be positive");
        }
        if (liveBatchWait.isNegative()) {
            throw new IllegalArgumentException("eventshop.subscriber.live-batch-wait must not be negative, was " + liveBatchWait);
        }
    }

    RetryPolicy retryPolicy() {
        return new RetryPolicy(maxAttempts, maxContentionAttempts, backoff, maxBackoff, RandomGenerator.getDefault());
    }
}
