package io.eventshop.subscriber;

/**
 * What to do with an incoming event of a stream, given the version the subscriber last applied:
 * the whole dedupe and ordering rule, pure, so it is unit-tested without a database.
 */
public final class StreamGuard {

    /** The decision for one incoming event. */
    public sealed interface Decision {
    }

    /** Already applied (a redelivery, or the catch-up reader got there first): skip it. */
    public record Duplicate(int lastApplied) implements Decision {
    }

    /** The next version: apply it. */
    public record Apply() implements Decision {
    }

    /** Versions are missing before it (lost or reordered messages): read them from the store and apply them first. */
    public record RepairGap(int fromVersion, int toVersion) implements Decision {
    }

    private StreamGuard() {
    }

    /**
     * @param lastApplied the version the subscriber last applied for this stream (0: none)
     * @param incoming    the version of the event that arrived (1 or more)
     */
    public static Decision decide(int lastApplied, int incoming) {
        if (incoming < 1 || lastApplied < 0) {
            throw new IllegalArgumentException("stream versions start at 1; got incoming " + incoming + " after " + lastApplied);
        }
        if (incoming <= lastApplied) {
            return new Duplicate(lastApplied);
        }
        if (incoming == lastApplied + 1) {
            return new Apply();
        }
        return new RepairGap(lastApplied + 1, incoming - 1);
    }
}
