package io.eventshop.view;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

@ConfigMapping(prefix = "eventshop.views")
public interface ViewConfig {

    /** How often each replica checks its views' generations (new, lost, rebuilding, to drop). */
    @WithDefault("2s")
    Duration superviseInterval();

    /** How long a replaced generation stays before it is dropped: every replica must have stopped applying to it. */
    @WithDefault("30s")
    Duration dropRetiredAfter();

    /** The views this service keeps, by name (e.g. {@code analytics.sales}); all of them when unset. */
    Optional<Set<String>> enabled();
}
