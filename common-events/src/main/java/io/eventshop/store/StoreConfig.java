package io.eventshop.store;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "eventshop.store")
public interface StoreConfig {

    /**
     * Whether appends call pg_notify in their transaction. Off by default: NOTIFY takes a
     * cluster-wide lock at commit and capped appends at a fraction of the rate without it in the
     * append benchmark (docs/benchmarks.md). Readers poll and, in-process, are woken after commit.
     */
    @WithDefault("false")
    boolean notifyOnAppend();

    /** Rows fetched per round trip when a read streams many events. */
    @WithDefault("1000")
    int pageSize();

    /** How often the horizon age gauge asks Postgres for the oldest open writing transaction. */
    @WithDefault("5s")
    Duration horizonCheckInterval();

    default StoreOptions options() {
        return new StoreOptions(notifyOnAppend(), pageSize());
    }
}
