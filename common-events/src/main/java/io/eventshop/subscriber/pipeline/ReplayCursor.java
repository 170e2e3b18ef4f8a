package io.eventshop.subscriber.pipeline;

import io.eventshop.store.Checkpoint;

/**
 * Where a replay page's checkpoint lives: the category's row, or the row of one partition of a partitioned replay's
 * phase (V16), which began at the category's checkpoint {@code start} and reads up to {@code until}. A page locks that
 * row, checks it still stands where the page was read from (in the same phase), and moves it in the page's transaction.
 */
public record ReplayCursor(String category, int partition, Checkpoint start, Checkpoint until) {

    /** The category's own checkpoint: a replay in store order. */
    public static ReplayCursor of(String category) {
        return new ReplayCursor(category, -1, null, null);
    }

    public boolean partitioned() {
        return partition >= 0;
    }

    @Override
    public String toString() {
        return partitioned() ? category + " (partition " + partition + " up to " + until + ")" : category;
    }
}
