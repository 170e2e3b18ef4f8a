package io.eventshop.subscriber.state;

import io.eventshop.store.Checkpoint;

/**
 * Where a subscriber's reader stands in one category: its checkpoint in the store's order, whether it
 * is still replaying (a new view filling itself, no live consumer yet), whether that replay is finishing (it
 * reached the head and writes its stream rows; the checkpoint is frozen meanwhile), and how many events its
 * replay has read (a rebuild's progress, counted in each page's transaction so replicas taking turns add up).
 * {@code finishing} is only ever true while {@code replaying} is. {@code rows} is the category's {@link RowsTask} while one
 * runs (never while replaying), else null.
 */
public record Position(String category, Checkpoint checkpoint, boolean replaying, boolean finishing, long replayed, RowsTask rows) {

    /** A position with no rows task running. */
    public Position(String category, Checkpoint checkpoint, boolean replaying, boolean finishing, long replayed) {
        this(category, checkpoint, replaying, finishing, replayed, null);
    }
}
