/**
 * Event contracts: one immutable record per fact, grouped in sealed families per stream category,
 * and {@code codec.EventTypes}, the table of type names and schema versions. A type
 * name never changes once published; an incompatible payload change bumps the schema version.
 */
package io.eventshop.events;
