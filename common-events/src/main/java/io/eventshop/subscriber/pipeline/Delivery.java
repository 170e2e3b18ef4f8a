package io.eventshop.subscriber.pipeline;

/** How a doorbell ended, which decides its settlement: only a dead letter is rejected to the broker's DLX. */
public enum Delivery {
    /** The store's copy (and any versions missing before it) applied. */
    APPLIED,
    /** Applied before: nothing to do. */
    DUPLICATE,
    /** Its stream waits for a dead letter's resolution; the store keeps the event for then. */
    PARKED,
    /** The store holds no such event (forged, another deployment's, not of this subscriber's categories): nothing changed. */
    UNMATCHED,
    /** Given up on: recorded as a dead letter, its stream parked. */
    DEAD_LETTERED
}
