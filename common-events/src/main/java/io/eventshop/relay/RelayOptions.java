package io.eventshop.relay;

import java.time.Duration;

/**
 * How a relay behaves; see {@link RelayConfig} for the documented settings.
 *
 * @param batchSize       events read, published and confirmed per round
 * @param pollInterval    the longest a relay sleeps before looking at the store again
 * @param confirmTimeout  how long the broker may take to confirm a batch before it is re-sent
 * @param retryInterval   pause after a failure, and between attempts to become leader
 */
public record RelayOptions(int batchSize, Duration pollInterval, Duration confirmTimeout, Duration retryInterval) {

    public RelayOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("relay batch size must be positive, was " + batchSize);
        }
    }
}
