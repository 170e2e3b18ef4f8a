package io.eventshop.events;

/**
 * The contract of one event kind: its CloudEvents {@code type} (never changes once published), the
 * schema version of the payload this code writes, and the record that holds it.
 */
public record EventType<E extends DomainEvent>(String name, int schemaVersion, Class<E> javaType) {

    public EventType {
        if (!name.startsWith("io.eventshop.")) {
            throw new IllegalArgumentException("event types live under io.eventshop., was " + name);
        }
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schema versions start at 1, was " + schemaVersion + " for " + name);
        }
    }
}
