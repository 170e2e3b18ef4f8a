/**
 * Dead letters in Postgres ({@code event_store.dead_letters}, owned by {@link
 * io.eventshop.subscriber.deadletter.DeadLetters}): poison kept with its reason, attempts and body.
 * Invariants: recording one parks its stream in the same transaction; resolving one un-parks it and
 * marks it for a resync, so a crash in between strands nothing; a skip holds for the whole lineage.
 */
package io.eventshop.subscriber.deadletter;
