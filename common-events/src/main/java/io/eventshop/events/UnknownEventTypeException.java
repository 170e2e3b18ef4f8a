package io.eventshop.events;

/** A recorded event whose type this code does not know; a subscriber dead-letters it, never drops it. */
public class UnknownEventTypeException extends RuntimeException {

    private final String type;

    public UnknownEventTypeException(String type) {
        super("unknown event type '" + type + "'");
        this.type = type;
    }

    public String type() {
        return type;
    }
}
