/**
 * The published contracts of a service's events, served over HTTP: the JSON Schema of each event type and version at
 * {@code /events/schemas/<type>/<version>} and the service's AsyncAPI 3.0 document at {@code /asyncapi}
 * ({@link AsyncApiDocument}). Both are generated from the code's own tables (EventTypes, the relay's categories, the
 * subscriptions), never kept by hand. Public: they describe shapes, never data (DECISIONS.md).
 */
package io.eventshop.contracts;
