/**
 * Catch-up: the store tail every subscriber reads at start-up, after a consumer re-opened and every
 * interval. Invariant: a subscriber's checkpoint only moves in the transaction that applied the page up
 * to it (or passed over a dead-lettered event), so a crash never skips anything.
 */
package io.eventshop.subscriber.catchup;
