package io.eventshop.events;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Turns a stored payload of {@link #type()} at schema version {@link #fromVersion()} into version
 * {@code fromVersion() + 1}. Stored events are never rewritten: old payloads are upcast each time
 * they are read, so a handler only ever sees the current contract. Chains of upcasters take a
 * payload across several versions, one step each. List new ones in {@code codec.Upcasters.ALL}.
 */
public interface Upcaster {

    String type();

    int fromVersion();

    /** The payload one version later; may change and return {@code payload} itself. */
    ObjectNode upcast(ObjectNode payload);
}
