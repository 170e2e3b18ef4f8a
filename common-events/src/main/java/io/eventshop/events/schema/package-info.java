/**
 * The JSON Schema of each event type's payload, generated from its contract record, never written by hand. A
 * schema's {@code $id} is the CloudEvents {@code dataschema} of events of that type and version. Pure and
 * thread-safe; the REST side that serves the schemas lives in {@code io.eventshop.contracts}.
 */
package io.eventshop.events.schema;
