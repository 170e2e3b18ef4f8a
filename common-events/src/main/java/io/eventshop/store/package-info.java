/**
 * The Postgres event store: append in the caller's transaction, read one stream, a category or all
 * events. Invariants: versions are gapless per stream; readers of all events see every committed
 * event exactly once and in {@code (transaction_id, global_position)} order (the ordering rule,
 * implemented once, in {@link io.eventshop.store.EventStore}); the store refuses to run on a cluster
 * whose transaction ids are behind the stored ones.
 */
package io.eventshop.store;
