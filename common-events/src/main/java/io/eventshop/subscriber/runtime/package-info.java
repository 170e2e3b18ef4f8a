/**
 * The subscriber runtime: one {@link io.eventshop.subscriber.runtime.Subscriber} per subscription on a
 * worker loop of its own, and the service's {@link io.eventshop.subscriber.runtime.SubscriberRuntime},
 * which starts, stops and retires them and is the only way the rest of a service reaches subscriber
 * state (progress, dead letters, repositions).
 */
package io.eventshop.subscriber.runtime;
