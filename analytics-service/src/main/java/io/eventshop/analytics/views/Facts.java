package io.eventshop.analytics.views;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Envelope;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Events as columns of facts for set-based SQL: per event the key it is about, when it happened, where
 * it stands in the store and its stream version, as arrays to {@code unnest}. Events read from the store
 * know their position; those the broker delivered are looked up by event id, in one statement.
 */
public record Facts(UUID[] keys, OffsetDateTime[] at, Long[] tx, Long[] pos, Integer[] versions) {

    private static final String POSITIONS = "select event_id, transaction_id::text::bigint, global_position"
            + " from event_store.events where event_id = any($1::uuid[])";

    /** The store positions of {@code events}: those they carry, the rest from the store. */
    public static Uni<Map<UUID, Checkpoint>> positions(StoreTransaction tx, List<Envelope<?>> events) {
        Map<UUID, Checkpoint> known = new HashMap<>();
        List<UUID> unknown = new ArrayList<>();
        for (Envelope<?> event : events) {
            event.knownPosition().ifPresentOrElse(position -> known.put(event.recorded().eventId(), position),
                    () -> unknown.add(event.recorded().eventId()));
        }
        if (unknown.isEmpty()) {
            return Uni.createFrom().item(known);
        }
        return tx.connection().preparedQuery(POSITIONS).execute(Tuple.of(unknown.toArray(UUID[]::new))).map(rows -> {
            for (Row row : rows) {
                known.put(row.getUUID(0), new Checkpoint(row.getLong(1), row.getLong(2)));
            }
            return known;
        });
    }

    public static Facts of(List<Envelope<?>> events, Map<UUID, Checkpoint> positions, Function<Envelope<?>, UUID> key) {
        int n = events.size();
        Facts facts = new Facts(new UUID[n], new OffsetDateTime[n], new Long[n], new Long[n], new Integer[n]);
        for (int i = 0; i < n; i++) {
            Envelope<?> event = events.get(i);
            Checkpoint position = positions.get(event.recorded().eventId());
            if (position == null) {
                throw new IllegalStateException("event " + event.recorded().eventId() + " is not in the store");
            }
            facts.keys[i] = key.apply(event);
            facts.at[i] = event.occurredAt().atOffset(ZoneOffset.UTC);
            facts.tx[i] = position.transactionId();
            facts.pos[i] = position.globalPosition();
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
