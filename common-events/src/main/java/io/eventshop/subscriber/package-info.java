/**
 * What a service declares to subscribe to the store: a {@link io.eventshop.subscriber.Subscription}
 * with its handlers. Handlers always see the store's copy of an event, each version of each stream
 * exactly once and in order; a broker message only says that something may be new.
 *
 * <p>The runtime lives in sub-packages, one job each: {@code live} (queues: doorbells),
 * {@code catchup} (the store tail), {@code replay} (a new view filling itself), {@code pipeline}
 * (the one apply transaction and retry policy every source goes through), {@code state} (per-stream
 * versions and checkpoints), {@code deadletter}, and {@code runtime} (one subscriber's loop, the
 * service's runtime).
 */
package io.eventshop.subscriber;
