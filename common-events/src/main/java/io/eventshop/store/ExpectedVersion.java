package io.eventshop.store;

/**
 * What the writer believes a stream's version to be when it appends; the append fails with
 * {@link StreamVersionConflictException} when the belief is wrong, never overwrites.
 */
public sealed interface ExpectedVersion {

    /** No check: append after whatever the stream holds. */
    ExpectedVersion ANY = new Any();
    /** The stream must not exist yet (creating an aggregate). */
    ExpectedVersion NO_STREAM = new Exactly(0);

    /** The stream must be exactly at {@code version} (0 = does not exist). */
    static ExpectedVersion exactly(int version) {
        return version == 0 ? NO_STREAM : new Exactly(version);
    }

    record Any() implements ExpectedVersion {
        @Override
        public String toString() {
            return "any";
        }
    }

    record Exactly(int version) implements ExpectedVersion {
        public Exactly {
            if (version < 0) {
                throw new IllegalArgumentException("stream versions start at 1 (0 = no stream), was " + version);
            }
        }

        @Override
        public String toString() {
            return version == 0 ? "no stream" : Integer.toString(version);
        }
    }
}
