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
 * @param replayPartitions      workers a long replay splits a category's streams between (1: one, in store order)
 * @param replayMaxRate         the most events a second a replay applies, its partitions together (0: no bound)
 */
public record SubscriberOptions(String queueType, int prefetch, int pageSize, Duration catchUpInterval, int maxAttempts,
        int maxContentionAttempts, Duration handlerTimeout, Duration backoff, Duration maxBackoff, Duration retryInterval,
        int queueMaxLength, int liveBatchSize, Duration liveBatchWait, int replayPartitions, int replayMaxRate) {

    /** The default bound of {@link #queueMaxLength}, as {@code eventshop.subscriber.queue-max-length} has it. */
    public static final int QUEUE_MAX_LENGTH = 50_000;
    /** The default of {@link #liveBatchSize}, as {@code eventshop.subscriber.live-batch-size} has it. */
    public static final int LIVE_BATCH_SIZE = 64;
    /** The default of {@link #liveBatchWait}, in milliseconds, as {@code eventshop.subscriber.live-batch-wait} has it. */
    public static final int LIVE_BATCH_WAIT_MILLIS = 5;
    /** The default of {@link #replayPartitions}, as {@code eventshop.subscriber.replay-partitions} has it. */
    public static final int REPLAY_PARTITIONS = 2;
    /**
     * The most partitions a replay may use: each holds up to two of the pool's connections while it runs (its page's
     * transaction and the read ahead), and a service fills or rebuilds several views at once.
     */
    public static final int MAX_REPLAY_PARTITIONS = 4;

    public SubscriberOptions(String queueType, int prefetch, int pageSize, Duration catchUpInterval, int maxAttempts,
            int maxContentionAttempts, Duration handlerTimeout, Duration backoff, Duration maxBackoff, Duration retryInterval,
            int queueMaxLength, int liveBatchSize, Duration liveBatchWait) {
        this(queueType, prefetch, pageSize, catchUpInterval, maxAttempts, maxContentionAttempts, handlerTimeout, backoff, maxBackoff,
                retryInterval, queueMaxLength, liveBatchSize, liveBatchWait, REPLAY_PARTITIONS, 0);
    }

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
        if (replayPartitions < 1 || replayPartitions > MAX_REPLAY_PARTITIONS) {
            throw new IllegalArgumentException("eventshop.subscriber.replay-partitions is 1 to " + MAX_REPLAY_PARTITIONS + ", was "
                    + replayPartitions);
        }
        if (replayMaxRate < 0) {
            throw new IllegalArgumentException("eventshop.subscriber.replay-max-rate is 0 (no bound) or events a second, was " + replayMaxRate);
        }
        if (liveBatchWait.isNegative()) {
            throw new IllegalArgumentException("eventshop.subscriber.live-batch-wait must not be negative, was " + liveBatchWait);
        }
    }

    /** These options with a replay split between {@code partitions} workers. */
    public SubscriberOptions withReplayPartitions(int partitions) {
        return new SubscriberOptions(queueType, prefetch, pageSize, catchUpInterval, maxAttempts, maxContentionAttempts, handlerTimeout,
                backoff, maxBackoff, retryInterval, queueMaxLength, liveBatchSize, liveBatchWait, partitions, replayMaxRate);
    }

    /** These options with a replay applying at most {@code eventsPerSecond} (0: no bound). */
    public SubscriberOptions withReplayMaxRate(int eventsPerSecond) {
        return new SubscriberOptions(queueType, prefetch, pageSize, catchUpInterval, maxAttempts, maxContentionAttempts, handlerTimeout,
                backoff, maxBackoff, retryInterval, queueMaxLength, liveBatchSize, liveBatchWait, replayPartitions, eventsPerSecond);
    }

    RetryPolicy retryPolicy() {
        return new RetryPolicy(maxAttempts, maxContentionAttempts, backoff, maxBackoff, RandomGenerator.getDefault());
    }
}
