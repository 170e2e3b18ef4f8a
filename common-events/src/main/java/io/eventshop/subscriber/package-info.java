/**
 * The subscriber protocol every view and saga applies events through: one transaction per event (or
 * gap-repaired run of events) that locks the subscriber's row for the stream, skips duplicates,
 * repairs gaps from the store and advances the row together with the handler's own changes. The
 * invariant: a handler sees each version of each stream exactly once and in order.
 */
package io.eventshop.subscriber;
