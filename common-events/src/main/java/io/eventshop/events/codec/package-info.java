/**
 * Between contracts and stored form: {@link io.eventshop.events.codec.EventTypes} (type names, schema
 * versions, record classes), {@link io.eventshop.events.codec.Upcasters} (old payloads to the current
 * contract) and {@link io.eventshop.events.codec.EventCodec} (records to stored events and back).
 * Invariant: what is encoded decodes to an equal record; what is stored is never rewritten.
 */
package io.eventshop.events.codec;
