/**
 * The relay: the store's doorbell. Per category one replica leads (advisory lock), tails the store
 * with the ordering rule, publishes persistent CloudEvents with publisher confirms in store order,
 * and moves its checkpoint only forward and only after the confirm (at-least-once, never a skip).
 */
package io.eventshop.relay;
