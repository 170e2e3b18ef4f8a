package io.eventshop.store;

import io.eventshop.events.StreamId;

/**
 * An append whose expected version did not match the stream: another writer got there first. The
 * caller's transaction is aborted; reload the stream and decide again, or answer 409.
 */
public class StreamVersionConflictException extends RuntimeException {

    private final StreamId streamId;
    private final ExpectedVersion expected;
    private final int actual;

    public StreamVersionConflictException(StreamId streamId, ExpectedVersion expected, int actual) {
        super(streamId + " is at version " + actual + ", expected " + expected);
        this.streamId = streamId;
        this.expected = expected;
        this.actual = actual;
    }

    public StreamId streamId() {
        return streamId;
    }

    public ExpectedVersion expected() {
        return expected;
    }

    /** The stream's version when the append was refused (0 = the stream does not exist). */
    public int actual() {
        return actual;
    }
}
