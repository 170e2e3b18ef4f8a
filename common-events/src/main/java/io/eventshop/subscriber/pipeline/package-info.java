/**
 * The one way events are applied, whatever brought them: source → a pure plan per page ({@link
 * io.eventshop.subscriber.pipeline.PagePlan}) → one apply transaction → one retry policy ({@link
 * io.eventshop.subscriber.pipeline.RetryPolicy}) → settle. Invariants: what a handler sees is the
 * store's copy; a message that names no stored event changes nothing; each version of each stream is
 * applied once and in order; a failing page is retried event by event so only the bad event stops.
 */
package io.eventshop.subscriber.pipeline;
