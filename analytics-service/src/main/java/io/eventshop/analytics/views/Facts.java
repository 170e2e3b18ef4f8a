package io.eventshop.analytics.views;

import io.eventshop.subscriber.Envelope;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Events as columns of facts for set-based SQL: per event the key it is about, when it happened, where
 * it stands in the store and its stream version, as arrays to {@code unnest}. Every event a view sees
 * is the store's copy and knows its position.
 */
public record Facts(UUID[] keys, OffsetDateTime[] at, Long[] tx, Long[] pos, Integer[] versions) {

    public static Facts of(List<Envelope<?>> events, Function<Envelope<?>, UUID> key) {
        int n = events.size();
        Facts facts = new Facts(new UUID[n], new OffsetDateTime[n], new Long[n], new Long[n], new Integer[n]);
        for (int i = 0; i < n; i++) {
            Envelope<?> event = events.get(i);
            facts.keys[i] = key.apply(event);
            facts.at[i] = event.occurredAt().atOffset(ZoneOffset.UTC);
            facts.tx[i] = event.position().transactionId();
            facts.pos[i] = event.position().globalPosition();
            facts.versions[i] = event.streamVersion();
        }
        return facts;
    }

    public boolean isEmpty() {
        return keys.length == 0;
    }

    /** $1 keys, $2 times, $3 transaction ids, $4 positions, $5 stream versions. */
    public Tuple tuple() {
        return Tuple.from(List.of(keys, at, tx, pos, versions));
    }

    /** The unnest of {@link #tuple()}, as {@code u(key, at, tx, pos, version)}. */
    public static final String UNNEST = "unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::int[]) u(key, at, tx, pos, version)";
}
