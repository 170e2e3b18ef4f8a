package io.eventshop.events;

/** A payload or envelope that cannot be read as the event it claims to be; the message says why. */
public class UndecodableEventException extends RuntimeException {

    public UndecodableEventException(String message, Throwable cause) {
        super(message, cause);
    }

    public UndecodableEventException(String message) {
        super(message);
    }
}
