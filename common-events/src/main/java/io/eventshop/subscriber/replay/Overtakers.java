package io.eventshop.subscriber.replay;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoredEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The events of a replay page that come before their stream's previous version in the store's order. A
 * stream's versions are gapless, but they need not follow each other in store order: a transaction that
 * took its id early and then waited for the stream's lock appends the next version with a lower id than
 * the version it waited for. Such an event is rare; for each the replay needs what it has applied of the
 * stream before it (the highest lower version that came earlier in store order) and where the versions it
 * skipped lie, so it can repair them now and pass over them when it reads them later.
 *
 * <p>An index probe per event of the page that is not its stream's first version and whose previous version
 * is not earlier in the page (the previous version, by stream and version), and two small ranges per
 * overtaker: no per-stream state is kept anywhere. The store below the horizon never changes,
 * so this runs ahead of the page's transaction, with the read.
 */
final class Overtakers {

    /**
     * An event that came before its predecessor: {@code appliedBefore} is the stream's highest version that came
     * earlier in the store's order (0 when none), {@code missingUntil} the latest store position of the versions
     * between it and the event.
     */
    record Overtaker(int appliedBefore, Checkpoint missingUntil) {
    }

    // Materialised: the two lateral reads run for the few overtakers only, not for every event of the page.
    private static final String FIND = "with page as (select u.i, u.s, u.v, u.t::text::xid8 as t, u.g"
            + " from unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[]) with ordinality u (s, v, t, g, i)),"
            + " overtakers as materialized (select page.* from page join event_store.events p on p.stream_id = page.s"
            + " and p.stream_version = page.v - 1 where (p.transaction_id, p.global_position) > (page.t, page.g))"
            + " select o.i::int, coalesce(b.v, 0), m.t::text::bigint, m.g from overtakers o"
            + " left join lateral (select x.stream_version as v from event_store.events x where x.stream_id = o.s"
            + " and x.stream_version < o.v - 1 and (x.transaction_id, x.global_position) < (o.t, o.g)"
            + " order by x.stream_version desc limit 1) b on true"
            + " cross join lateral (select x.transaction_id as t, x.global_position as g from event_store.events x"
            + " where x.stream_id = o.s and x.stream_version > coalesce(b.v, 0) and x.stream_version < o.v"
            + " order by x.transaction_id desc, x.global_position desc limit 1) m";

    private final EventStore store;

    Overtakers(EventStore store) {
        this.store = store;
    }

    /** The page's overtakers by event id; empty for almost every page. */
    Uni<Map<UUID, Overtaker>> in(List<StoredEvent> page) {
        List<StoredEvent> probed = candidates(page);
        if (probed.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        String[] streams = new String[probed.size()];
        Integer[] versions = new Integer[probed.size()];
        Long[] transactions = new Long[probed.size()];
        Long[] positions = new Long[probed.size()];
        for (int i = 0; i < probed.size(); i++) {
            StoredEvent event = probed.get(i);
            streams[i] = event.streamId().value();
            versions[i] = event.streamVersion();
            transactions[i] = event.position().transactionId();
            positions[i] = event.position().globalPosition();
        }
        return store.inTransaction(tx -> tx.connection().preparedQuery(FIND)
                .execute(Tuple.of(streams, versions, transactions, positions)).map(rows -> {
                    Map<UUID, Overtaker> found = new HashMap<>();
                    for (Row row : rows) {
                        StoredEvent event = probed.get(row.getInteger(0) - 1);
                        found.put(event.eventId(), new Overtaker(row.getInteger(1), new Checkpoint(row.getLong(2), row.getLong(3))));
                    }
                    return found;
                }));
    }

    /**
     * The events of the page that may be overtakers: not a stream's first version (it has no predecessor), and not one
     * whose predecessor came earlier in the page (so earlier in store order). Most of a page, in a shop whose orders
     * move on within seconds, needs no probe.
     */
    static List<StoredEvent> candidates(List<StoredEvent> page) {
        Map<String, Integer> seen = new HashMap<>();
        List<StoredEvent> probed = new ArrayList<>();
        for (StoredEvent event : page) {
            String stream = event.streamId().value();
            Integer before = seen.put(stream, event.streamVersion());
            if (event.streamVersion() > 1 && (before == null || before != event.streamVersion() - 1)) {
                probed.add(event);
            }
        }
        return probed;
    }
}
