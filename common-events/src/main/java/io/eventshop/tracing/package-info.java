/**
 * One trace and one causation chain per flow, from the REST request through the store, the relays and
 * every subscriber. The W3C context travels in the event's metadata ({@code traceparent}), never only in a
 * broker header, so catch-up and gap repair, which read the store and no message, restore it too. Spans are
 * cheap and never block; without an OTLP endpoint none is recorded, but trace ids still propagate.
 */
package io.eventshop.tracing;
