package io.eventshop.subscriber.pipeline;

/**
 * A catch-up or replay page found its category's checkpoint elsewhere than where it was read from:
 * another replica applied it, the replay finished, or an operator repositioned the subscriber. Nothing
 * was applied; the reader starts again from the stored position.
 */
public final class PositionMovedException extends RuntimeException {

    PositionMovedException(String message) {
        super(message, null, false, false);
    }
}
