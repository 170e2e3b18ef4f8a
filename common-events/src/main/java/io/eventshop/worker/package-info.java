/**
 * The background loop shared by relays, subscribers and the view supervisor: a virtual thread that
 * can be woken early and stopped out of any wait. Invariant: {@code stop} never waits out a back-off.
 */
package io.eventshop.worker;
