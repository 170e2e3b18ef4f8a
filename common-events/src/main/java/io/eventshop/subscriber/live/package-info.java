/**
 * The live path: a queue per subscriber and category bound to the category's fanout exchange, each
 * delivery a doorbell. Invariants: nothing of a message but the event it names is used; a message
 * naming no stored event changes nothing; a delivery is settled only after its transaction.
 */
package io.eventshop.subscriber.live;
