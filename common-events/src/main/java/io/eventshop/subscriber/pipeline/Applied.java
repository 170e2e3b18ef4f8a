package io.eventshop.subscriber.pipeline;

/**
 * What one apply transaction did.
 *
 * @param applied    events whose handler ran (or that this subscriber has no handler for), gap repairs included
 * @param repaired   events read from the store to fill a gap before a later version
 * @param duplicates events applied before, skipped
 * @param parked     events of parked streams, left for the dead letter's resolution
 * @param skipped    events passed over by an operator's skip
 */
public record Applied(int applied, int repaired, int duplicates, int parked, int skipped) {

    public static final Applied NOTHING = new Applied(0, 0, 0, 0, 0);

    public Applied plus(Applied other) {
        return new Applied(applied + other.applied, repaired + other.repaired, duplicates + other.duplicates, parked + other.parked,
                skipped + other.skipped);
    }
}
