package io.eventshop.relay;

import java.time.Duration;

/**
 * How a relay behaves; see {@link RelayConfig} for the documented settings.
 *
 * @param batchSize       events read, published and confirmed per round
 * @param pollInterval    the longest a relay sleeps before looking at the store again
 * @param confirmTimeout  how long the broker may take to confirm a batch before it is re-sent
 * @param retryInterval   pause after a failure, and between attempts to become leader
 * @param lockTimeout     how long the lead outlives a leader that stopped answering
 */
public record RelayOptions(int batchSize, Duration pollInterval, Duration confirmTimeout, Duration retryInterval, Duration lockTimeout) {

    /** The default lock timeout of {@link RelayConfig#lockTimeout()}. */
    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(10);

    public RelayOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("relay batch size must be positive, was " + batchSize);
        }
        if (lockTimeout.toMillis() < 3) {
            throw new IllegalArgumentException("relay lock timeout must be at least 3 ms (pinged three times within it), was " + lockTimeout);
        }
    }

    /** With the default lock timeout. */
    public RelayOptions(int batchSize, Duration pollInterval, Duration confirmTimeout, Duration retryInterval) {
        this(batchSize, pollInterval, confirmTimeout, retryInterval, DEFAULT_LOCK_TIMEOUT);
    }
}
