package io.eventshop.subscriber.state;

import io.eventshop.store.Checkpoint;

/**
 * Where a subscriber's reader stands in one category: its checkpoint in the store's order, whether it
 * is still replaying (a new view filling itself, no live consumer yet), and how many events its replay
 * has read (a rebuild's progress, counted in each page's transaction so replicas taking turns add up).
 */
public record Position(String category, Checkpoint checkpoint, boolean replaying, long replayed) {
}
