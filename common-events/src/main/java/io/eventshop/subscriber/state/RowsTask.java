package io.eventshop.subscriber.state;

/**
 * Work over a row per stream of one category that a subscriber does in bounded transactions, recorded in the
 * category's checkpoint row while it runs: its checkpoint is frozen and the category applies nothing meanwhile.
 *
 * @param cursor where the next transaction goes on: a store position ({@link Kind#SEEDING}) or the last stream id
 *               done ({@link Kind#REPOSITIONING}); null before the first
 * @param done   rows written (seeding) or moved back (reposition) so far
 */
public record RowsTask(Kind kind, String cursor, long done) {

    public enum Kind {
        /** A new reactor starting at the head writes every existing stream's row at its version there. */
        SEEDING,
        /** A reposition moves every stream with events after the checkpoint back to its version there. */
        REPOSITIONING
    }
}
