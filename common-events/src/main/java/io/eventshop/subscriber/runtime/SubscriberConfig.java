package io.eventshop.subscriber.runtime;

import io.eventshop.subscriber.Subscription;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

@ConfigMapping(prefix = "eventshop.subscriber")
public interface SubscriberConfig {

    /**
     * {@code quorum} (replicated, the default) or {@code classic}. A queue keeps the type it was
     * declared with: changing this needs the old queues deleted (they are re-declared on start).
     */
    @WithDefault("quorum")
    String queueType();

    /**
     * Messages a subscriber's queue keeps while its consumer is away; beyond it the oldest are dropped
     * ({@code drop-head}). They are only doorbells: catch-up applies from the store whatever a dropped one
     * announced. Without a bound a stopped consumer would fill the broker until its memory alarm blocked every
     * publisher; {@code reject-publish} would instead refuse the relay's message for every queue of the exchange.
     */
    @WithDefault("" + SubscriberOptions.QUEUE_MAX_LENGTH)
    int queueMaxLength();

    /**
     * Messages per queue delivered before one is acknowledged. They are applied in batches ({@link #liveBatchSize()}),
     * several batches at once: a few batches' worth keeps the next batch filling while the previous ones apply.
     */
    @WithDefault("256")
    int prefetch();

    /**
     * The most live deliveries of one queue applied in one transaction: their events read in one statement, their
     * streams' rows locked in another, the view's batch handler called once. 1 applies each delivery alone.
     */
    @WithDefault("" + SubscriberOptions.LIVE_BATCH_SIZE)
    int liveBatchSize();

    /**
     * The longest a live delivery waits for others to join its batch while another batch of its queue is applying. A
     * delivery to an idle queue is applied at once; 0 takes only what has arrived.
     */
    @WithDefault(SubscriberOptions.LIVE_BATCH_WAIT_MILLIS + "ms")
    Duration liveBatchWait();

    /**
     * Live deliveries applied at once by all of the service's subscribers together. Each holds a connection of
     * the service's pool ({@code quarkus.datasource.reactive.max-size}, 20) while it applies: this bound keeps a
     * burst of deliveries (prefetch × queues) from taking the connections that requests need. What waits for a
     * permit stays unacknowledged in the broker's hands. 16 of 20: with 8 the orders benchmark's p50 rose from
     * about 35 ms to 110-360 ms (deliveries queued for permits); with 16 it matched the unbounded runtime's.
     */
    @WithDefault("16")
    int maxConcurrentDeliveries();

    /** Events per catch-up or replay transaction. */
    @WithDefault("1000")
    int pageSize();

    /**
     * Workers a replay of more than ten pages splits each category's streams between (1 to 4): each reads its streams'
     * events up to the store's head as the replay found it and applies them, a page per transaction, beside the others;
     * a stream's versions stay in order. The replay then goes on in store order from there (common-events DECISIONS 64).
     * 1: one worker in store order. Each worker holds up to two of the pool's connections while it runs.
     */
    @WithDefault("2")
    int replayPartitions();

    /**
     * The most events a second one subscriber's replay applies in this process, its partitions together; 0 (the default)
     * for no bound. A replay otherwise takes all the cores and Postgres give it, which on a machine shared with the shop
     * is the shop's latency while a new view is stood up (docs/benchmarks.md). Bounded: the pages up to the head the replay
     * (its partitions, then its part in store order) found when it began. Not bounded: what was appended after that head
     * (so the replay ends), the stream rows written at its end,
     * the catch-up and the live path. Each replica keeps its own bound.
     */
    @WithDefault("0")
    int replayMaxRate();

    /**
     * How often the catch-up reader looks for what the broker never delivered; also how long it leaves an event
     * committed while the consumer is open to its doorbell (common-events DECISIONS 63).
     */
    @WithDefault("5s")
    Duration catchUpInterval();

    /** Tries of a failing handler before its event is dead-lettered and its stream parked. */
    @WithDefault("5")
    int maxAttempts();

    /**
     * Tries of an event that keeps meeting contention (a conflict, deadlock or lock timeout) before it is
     * dead-lettered: a failure that stays "passing" this long is the event's own.
     */
    @WithDefault("30")
    int maxContentionAttempts();

    /**
     * The longest a handler may take for one event (or a view for one page) before the try counts as failed
     * (contention: tried again, a bounded number of times). Shorter than Postgres' idle-in-transaction timeout
     * (30 s), so a handler waiting on something else never has its session killed under it.
     */
    @WithDefault("20s")
    Duration handlerTimeout();

    /** Pause after the first failure; doubles per failure, with jitter. */
    @WithDefault("100ms")
    Duration backoff();

    /** Longest pause between tries. */
    @WithDefault("5s")
    Duration maxBackoff();

    /** Pause before re-opening a consumer after its channel or connection closed. */
    @WithDefault("2s")
    Duration retryInterval();

    /**
     * Where a new reactor starts, by subscriber name: {@code head} (the default: it never acts on history)
     * or {@code beginning} (it acts on every stored event, once). Views always start at the beginning.
     * Example: {@code eventshop.subscriber.start."order.saga"=beginning}.
     */
    Map<String, Subscription.Start> start();

    default SubscriberOptions options() {
        return new SubscriberOptions(queueType(), prefetch(), pageSize(), catchUpInterval(), maxAttempts(), maxContentionAttempts(),
                handlerTimeout(), backoff(), maxBackoff(), retryInterval(), queueMaxLength(), liveBatchSize(), liveBatchWait(), replayPartitions(),
                replayMaxRate());
    }
}
