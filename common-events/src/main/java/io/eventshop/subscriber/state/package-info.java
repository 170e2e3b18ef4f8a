/**
 * Subscriber state in the store's database, one owning class per table: {@link
 * io.eventshop.subscriber.state.StreamStates} ({@code subscriber_streams}: per-stream versions, parks,
 * skips, resyncs) and {@link io.eventshop.subscriber.state.Checkpoints} ({@code subscriber_checkpoints}:
 * per-category positions, replay flags and progress). Invariant: a stream's row only moves inside the
 * transaction that applied those versions, or by an explicit reposition.
 */
package io.eventshop.subscriber.state;
