package io.eventshop.subscriber.live;

import io.eventshop.wire.EventRef;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Messages naming an event the store does not hold (forged, another deployment's on a shared virtual
 * host, a category this subscriber does not read): acknowledged and counted by the caller, and logged
 * here once per stream per interval, with an overall cap, so a flood of them cannot flood the log.
 */
final class UnmatchedDoorbells {

    private static final Logger LOG = Logger.getLogger(UnmatchedDoorbells.class);
    private static final int STREAMS_REMEMBERED = 1_000;
    private static final int LINES_PER_INTERVAL = 20;

    private final String subscriber;
    private final Duration interval;
    private final Map<String, Long> loggedAt = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > STREAMS_REMEMBERED;
        }
    };
    private long windowStart;
    private int linesInWindow;
    private long suppressed;

    UnmatchedDoorbells(String subscriber, Duration interval) {
        this.subscriber = subscriber;
        this.interval = interval;
    }

    synchronized void note(EventRef ref) {
        long now = System.nanoTime();
        if (now - windowStart > interval.toNanos()) {
            if (suppressed > 0) {
                LOG.warnf("subscriber %s: %,d more messages naming events the store does not hold were ignored", subscriber, suppressed);
            }
            windowStart = now;
            linesInWindow = 0;
            suppressed = 0;
        }
        Long last = loggedAt.get(ref.stream().value());
        if ((last != null && now - last < interval.toNanos()) || linesInWindow >= LINES_PER_INTERVAL) {
            suppressed++;
            return;
        }
        loggedAt.put(ref.stream().value(), now);
        linesInWindow++;
        LOG.warnf("subscriber %s: ignored a message naming %s: the store holds no such event (forged, from another deployment,"
                + " or not of this subscriber's categories), or its category is not live here yet (replaying, seeding or"
                + " repositioning: the catch-up after applies it); nothing was applied", subscriber, ref);
    }
}
