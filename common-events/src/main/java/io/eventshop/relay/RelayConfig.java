package io.eventshop.relay;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "eventshop.relay")
public interface RelayConfig {

    /** The categories this service writes and therefore relays, e.g. {@code order}. None: no relay. */
    Optional<List<String>> categories();

    /** Events read, published and confirmed per round. */
    @WithDefault("500")
    int batchSize();

    /**
     * Fallback poll. A local commit wakes the relay at once; this bounds the delay for events
     * appended by other processes (or through Hibernate Reactive) when NOTIFY is off.
     */
    @WithDefault("500ms")
    Duration pollInterval();

    /** How long the broker may take to confirm a batch before the relay re-sends it. */
    @WithDefault("10s")
    Duration confirmTimeout();

    /** Pause after a failure, and between a standby's attempts to take the lead. */
    @WithDefault("2s")
    Duration retryInterval();

    /**
     * How long the lead outlives a leader that stopped answering (paused, hung, cut off): Postgres closes the
     * lock's session after it idled this long ({@code idle_session_timeout}); a live leader pings it three times
     * as often. Another replica takes over within this plus {@link #retryInterval()}.
     */
    @WithDefault("10s")
    Duration lockTimeout();

    default RelayOptions options() {
        return new RelayOptions(batchSize(), pollInterval(), confirmTimeout(), retryInterval(), lockTimeout());
    }
}
