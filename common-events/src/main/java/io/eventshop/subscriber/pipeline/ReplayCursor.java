package io.eventshop.subscriber.pipeline;

/**
 * Where a replay page's checkpoint lives: the category's row, or the row of one partition of a partitioned replay
 * ({@code partition} ≥ 0; V16). A page locks that row, checks it still stands where the page was read from, and
 * moves it in the page's transaction.
 */
public record ReplayCursor(String category, int partition) {

    /** The category's own checkpoint: a replay in store order. */
    public static ReplayCursor of(String category) {
        return new ReplayCursor(category, -1);
    }

    public boolean partitioned() {
        return partition >= 0;
    }

    @Override
    public String toString() {
        return partitioned() ? category + " (partition " + partition + ")" : category;
    }
}
