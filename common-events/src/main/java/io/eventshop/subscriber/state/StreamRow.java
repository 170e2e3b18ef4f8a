package io.eventshop.subscriber.state;

import java.util.Set;

/**
 * A subscriber's progress in one stream: the version applied last, the version a dead letter parks
 * the stream at (null: not parked) and the versions an operator chose to pass over.
 */
public record StreamRow(int lastVersion, Integer parkedVersion, Set<Integer> skipVersions) {

    public static final StreamRow NEW = new StreamRow(0, null, Set.of());

    public StreamRow {
        skipVersions = Set.copyOf(skipVersions);
    }

    public boolean parked() {
        return parkedVersion != null;
    }

    static Set<Integer> skips(Integer[] versions) {
        return versions == null || versions.length == 0 ? Set.of() : Set.of(versions);
    }
}
