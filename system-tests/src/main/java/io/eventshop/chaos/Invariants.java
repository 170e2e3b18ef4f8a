package io.eventshop.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventshop.analytics.Reference;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What must hold at the end of a run, whatever failed during it, each checked against the store (the truth) and
 * given with its figure.
 */
final class Invariants {

    /** One invariant's verdict. */
    record Check(String name, boolean holds, String figure) {
        @Override
        public String toString() {
            return (holds ? "OK    " : "FAILED") + " " + name + ": " + figure;
        }
    }

    /** Where the checks read the store. */
    private interface Store {
        Connection connect() throws SQLException;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Store store;

    Invariants(Topology topology) {
        this(() -> DriverManager.getConnection(topology.jdbcUrl(), topology.jdbcUser(), topology.jdbcPassword()));
    }

    private Invariants(Store store) {
        this.store = store;
    }

    /**
     * The same checks reading through {@code db} alone, which they leave open (their closing it is ignored): they see
     * what its open transaction changed, and nobody else does.
     */
    static Invariants within(Connection db) {
        Connection kept = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        return null;
                    }
                    try {
                        return method.invoke(db, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return new Invariants(() -> kept);
    }

    Connection connect() throws SQLException {
        return store.connect();
    }

    /** Every order a 2xx acknowledged is in the store. */
    Check noLostOrders(List<Ledger.Placed> placed) throws SQLException {
        Set<String> stored = strings("select substring(stream_id from 7) from event_store.events where type = 'io.eventshop.order.placed'");
        List<String> missing = placed.stream().map(Ledger.Placed::orderId).filter(id -> !stored.contains(id)).toList();
        return new Check("acknowledged orders in the store", missing.isEmpty(), placed.size() + " acknowledged, " + missing.size() + " lost"
                + (missing.isEmpty() ? "" : " (e.g. " + missing.subList(0, Math.min(5, missing.size())) + ")"));
    }

    /** Every order stream ends in a decision, and order-service's index says the same. */
    Check everyOrderDecided() throws SQLException {
        Map<String, String> folded = new HashMap<>();
        try (Connection db = connect(); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("select substring(stream_id from 7), type from event_store.events where category = 'order'"
                     + " order by stream_id, stream_version")) {
            while (rows.next()) {
                String status = switch (rows.getString(2)) {
                    case "io.eventshop.order.placed" -> "PENDING";
                    case "io.eventshop.order.confirmed" -> "CONFIRMED";
                    case "io.eventshop.order.rejected" -> "REJECTED";
                    case "io.eventshop.order.cancelled" -> "CANCELLED";
                    default -> "UNKNOWN " + rows.getString(2);
                };
                folded.put(rows.getString(1), status);
            }
        }
        Map<String, String> indexed = new HashMap<>();
        try (Connection db = connect(); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("select order_id::text, status from orders.orders")) {
            while (rows.next()) {
                indexed.put(rows.getString(1), rows.getString(2));
            }
        }
        Map<String, Integer> byStatus = new TreeMap<>();
        folded.values().forEach(status -> byStatus.merge(status, 1, Integer::sum));
        long pending = byStatus.getOrDefault("PENDING", 0);
        long disagreeing = folded.entrySet().stream().filter(e -> !e.getValue().equals(indexed.get(e.getKey()))).count()
                + indexed.keySet().stream().filter(id -> !folded.containsKey(id)).count();
        long timedOut = count("select count(*) from event_store.events where type = 'io.eventshop.order.rejected'"
                + " and data::text like '%RESERVATION_TIMEOUT%'");
        return new Check("every order decided", pending == 0 && disagreeing == 0, folded.size() + " orders: " + byStatus
                + ", of the rejected " + timedOut + " by the reservation deadline; " + disagreeing + " index rows disagreeing with the stream");
    }

    /**
     * Stock is conserved: each product's row equals what its events and the reservations say (on hand: initial stock
     * plus restocks; reserved: reservations less releases), what is reserved is exactly what confirmed, uncancelled
     * orders hold, no order was reserved or released twice, and nothing is reserved beyond what is on hand.
     */
    Check stockConserved() throws SQLException {
        Map<String, long[]> expected = new TreeMap<>(); // sku -> on hand, reserved
        Map<String, Integer> reservations = new HashMap<>();
        Map<String, Integer> releases = new HashMap<>();
        Map<String, JsonNode> reservedLines = new HashMap<>();
        try (Connection db = connect(); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("select stream_id, type, data::text from event_store.events"
                     + " where category in ('product', 'reservation') order by transaction_id, global_position")) {
            while (rows.next()) {
                JsonNode data = json(rows.getString(3));
                String order = rows.getString(1).substring(rows.getString(1).indexOf('-') + 1); // reservation-<orderId>
                switch (rows.getString(2)) {
                    case "io.eventshop.product.added" -> expected.put(data.get("sku").asText(), new long[] {data.get("initialStock").asLong(), 0});
                    case "io.eventshop.product.stock-replenished" -> expected.get(data.get("sku").asText())[0] += data.get("quantity").asLong();
                    case "io.eventshop.reservation.stock-reserved" -> {
                        reservations.merge(order, 1, Integer::sum);
                        reservedLines.put(order, data.get("lines"));
                        data.get("lines").forEach(line -> expected.get(line.get("sku").asText())[1] += line.get("quantity").asLong());
                    }
                    case "io.eventshop.reservation.stock-released" -> {
                        releases.merge(order, 1, Integer::sum);
                        data.get("lines").forEach(line -> expected.get(line.get("sku").asText())[1] -= line.get("quantity").asLong());
                    }
                    default -> {
                        // price changes and rejected reservations move no stock
                    }
                }
            }
        }
        List<String> problems = new ArrayList<>();
        long oversold = 0;
        try (Connection db = connect(); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("select sku, on_hand, reserved from inventory.products order by sku")) {
            while (rows.next()) {
                long[] want = expected.remove(rows.getString(1));
                if (want == null) {
                    problems.add(rows.getString(1) + " has a row and no events");
                    continue;
                }
                if (want[0] != rows.getLong(2) || want[1] != rows.getLong(3)) {
                    problems.add(rows.getString(1) + " row on hand/reserved " + rows.getLong(2) + "/" + rows.getLong(3) + ", events say " + want[0] + "/" + want[1]);
                }
                oversold += Math.max(0, want[1] - want[0]) + Math.max(0, -want[1]);
            }
        }
        expected.keySet().forEach(sku -> problems.add(sku + " has events and no row"));
        reservations.forEach((order, n) -> {
            if (n > 1) {
                problems.add("order " + order + " reserved " + n + " times");
            }
        });
        releases.forEach((order, n) -> {
            if (n > 1 || !reservations.containsKey(order)) {
                problems.add("order " + order + " released " + n + " times, reserved " + reservations.getOrDefault(order, 0));
            }
        });
        // What stays reserved is exactly what confirmed orders that were not cancelled hold.
        Set<String> holding = strings("select substring(stream_id from 7) from event_store.events e where type = 'io.eventshop.order.confirmed'"
                + " and not exists (select 1 from event_store.events c where c.stream_id = e.stream_id and c.type = 'io.eventshop.order.cancelled')");
        Set<String> held = new HashSet<>(reservations.keySet());
        held.removeAll(releases.keySet());
        Set<String> heldNotConfirmed = new HashSet<>(held);
        heldNotConfirmed.removeAll(holding);
        Set<String> confirmedNotHeld = new HashSet<>(holding);
        confirmedNotHeld.removeAll(held);
        if (!heldNotConfirmed.isEmpty()) {
            problems.add(heldNotConfirmed.size() + " reservations held for orders not confirmed (e.g. " + heldNotConfirmed.iterator().next() + ")");
        }
        if (!confirmedNotHeld.isEmpty()) {
            problems.add(confirmedNotHeld.size() + " confirmed orders holding no reservation (e.g. " + confirmedNotHeld.iterator().next() + ")");
        }
        return new Check("stock conserved, never oversold", problems.isEmpty() && oversold == 0, reservations.size() + " reservations, "
                + releases.size() + " releases, " + held.size() + " held by confirmed orders; " + oversold + " units oversold"
                + (problems.isEmpty() ? "" : "; " + problems.size() + " problems: " + problems.subList(0, Math.min(5, problems.size()))));
    }

    /**
     * Each live subscriber (reactors, and the live generation of each view) applied every event of its categories
     * once: its version of each stream is the store's, no stream is parked, and it knows no stream the store does not.
     */
    Check subscribersLevel() throws SQLException {
        String live = "select distinct subscriber, category from event_store.subscriber_checkpoints c where not exists"
                + " (select 1 from event_store.view_generations g where c.subscriber = g.view || '.g' || g.generation and g.role <> 'LIVE')";
        List<String> behind = new ArrayList<>();
        int subscribers = 0;
        try (Connection db = connect(); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("with subs as (" + live + "),"
                     + " heads as (select category, stream_id, max(stream_version) as version from event_store.events group by 1, 2)"
                     + " select s.subscriber, string_agg(distinct s.category, ','), count(h.stream_id),"
                     + " count(h.stream_id) filter (where ss.last_version is distinct from h.version),"
                     + " count(h.stream_id) filter (where ss.parked_version is not null)"
                     + " from subs s left join heads h on h.category = s.category"
                     + " left join event_store.subscriber_streams ss on ss.subscriber = s.subscriber and ss.stream_id = h.stream_id"
                     + " group by s.subscriber order by 1")) {
            while (rows.next()) {
                subscribers++;
                if (rows.getLong(4) > 0 || rows.getLong(5) > 0) {
                    behind.add(rows.getString(1) + " (" + rows.getString(2) + "): " + rows.getLong(4) + " of " + rows.getLong(3)
                            + " streams not at the store's version, " + rows.getLong(5) + " parked");
                }
            }
        }
        long unknown = count("select count(*) from event_store.subscriber_streams ss where not exists"
                + " (select 1 from event_store.events e where e.stream_id = ss.stream_id)");
        return new Check("each subscriber applied each event once", behind.isEmpty() && unknown == 0 && subscribers > 0,
                subscribers + " live subscribers; " + behind.size() + " not level" + (behind.isEmpty() ? "" : " " + behind)
                        + "; " + unknown + " stream records for streams the store does not hold");
    }

    /** The analytics views equal the reference computed from the store's rows. */
    Check viewsEqualReference(Reference.Answers live) throws Exception {
        Reference.Answers reference;
        try (Connection db = connect()) {
            reference = Reference.compute(Reference.read(db), row -> true);
        }
        int divergent = AnalyticsAnswers.divergent(live, reference);
        return new Check("analytics views equal the independent reference", divergent == 0, divergent + " divergent rows ("
                + live.sales().size() + " sales rows, funnel " + live.funnel() + ")" + (divergent == 0 ? "" : ": live " + live + " reference " + reference));
    }

    Check viewsEqualRebuild(Reference.Answers live, Reference.Answers rebuilt) {
        int divergent = AnalyticsAnswers.divergent(live, rebuilt);
        return new Check("analytics views equal a from-scratch rebuild", divergent == 0, divergent + " divergent rows"
                + (divergent == 0 ? "" : ": live " + live + " rebuilt " + rebuilt));
    }

    /** Each relay's checkpoint is its category's last event. */
    Check relaysAtHead() throws SQLException {
        List<String> behind = new ArrayList<>();
        try (Connection db = connect(); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("select h.category, r.transaction_id::text, r.global_position, h.transaction_id::text, h.global_position"
                     + " from (select distinct on (category) category, transaction_id, global_position from event_store.events"
                     + " order by category, transaction_id desc, global_position desc) h"
                     + " left join event_store.relay_checkpoints r on r.category = h.category"
                     + " where r.category is null or (r.transaction_id, r.global_position) <> (h.transaction_id, h.global_position)")) {
            while (rows.next()) {
                behind.add(rows.getString(1) + " at " + rows.getString(2) + ":" + rows.getString(3) + ", head " + rows.getString(4) + ":" + rows.getLong(5));
            }
        }
        return new Check("relay checkpoints at the store's head", behind.isEmpty(), behind.isEmpty() ? "every category" : behind.toString());
    }

    /** Dead letters: the planted poison in each subscriber of orders, with a reason; nothing else; the forged event changed nothing. */
    Check onlyPlantedDeadLetters(PlantedMessages planted) throws SQLException {
        long orderSubscribers = count("select count(distinct subscriber) from event_store.subscriber_checkpoints c where category = 'order'"
                + " and not exists (select 1 from event_store.view_generations g where c.subscriber = g.view || '.g' || g.generation and g.role <> 'LIVE')");
        long plantedLetters = count("select count(*) from event_store.dead_letters where body like '%" + planted.marker() + "%' and reason <> ''");
        long others = count("select count(*) from event_store.dead_letters where body not like '%" + planted.marker() + "%'");
        long forgedTraces = count("select (select count(*) from event_store.subscriber_streams where stream_id = '" + planted.forgedStream() + "')"
                + " + (select count(*) from event_store.dead_letters where body like '%" + planted.forgedEventId() + "%')"
                + " + (select count(*) from orders.orders where order_id::text = '" + planted.forgedStream().substring(6) + "')");
        List<String> reasons = new ArrayList<>(strings("select distinct reason from event_store.dead_letters where body like '%" + planted.marker() + "%'"));
        return new Check("no dead letters but the planted ones", plantedLetters >= 1 && others == 0 && forgedTraces == 0,
                plantedLetters + " planted poison dead-lettered (" + orderSubscribers + " live subscribers of orders now; reasons "
                        + reasons.stream().map(r -> r.length() > 80 ? r.substring(0, 80) + "…" : r).toList() + "), " + others
                        + " other dead letters, " + forgedTraces + " rows touched by the forged event");
    }

    /**
     * The ordering rule still holds: per stream, versions run 1, 2, 3… without a gap in store order, and no prefix a
     * relay had read during the run changed afterwards (nothing appeared below a read position, nothing vanished).
     */
    Check orderingRule(List<PositionWatch.Sample> samples) throws SQLException {
        long outOfOrder = count("select count(*) from (select stream_version, lag(stream_version) over"
                + " (partition by stream_id order by transaction_id, global_position) as previous from event_store.events) v"
                + " where coalesce(previous, 0) + 1 <> stream_version");
        long appeared = 0;
        long vanished = 0;
        try (Connection db = connect()) {
            for (PositionWatch.Sample sample : samples) {
                long now = PositionWatch.count(db, sample);
                appeared += Math.max(0, now - sample.events());
                vanished += Math.max(0, sample.events() - now);
            }
        }
        return new Check("store positions obey the ordering rule", outOfOrder == 0 && appeared == 0 && vanished == 0, outOfOrder
                + " events out of version order; over " + samples.size() + " read prefixes sampled during the run, " + appeared
                + " events appeared below a read position and " + vanished + " vanished from one");
    }

    /** No request started during a rolling restart failed. */
    static Check noFailureInRollingRestarts(List<FaultInjector.Injected> faults, Ledger ledger) {
        List<Ledger.Request> failed = Figures.failedDuringRollingRestarts(faults, ledger);
        // The first few, in the verdict itself: a build's log may keep only the failed assertion.
        return new Check("no failed request during the rolling restarts", failed.isEmpty(), failed.size() + " failed"
                + (failed.isEmpty() ? "" : ", e.g. " + failed.stream().limit(3).toList()));
    }

    long count(String query) throws SQLException {
        try (Connection db = connect(); Statement sql = db.createStatement(); ResultSet rows = sql.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private Set<String> strings(String query) throws SQLException {
        Set<String> values = new HashSet<>();
        try (Connection db = connect(); Statement sql = db.createStatement(); ResultSet rows = sql.executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("a stored payload that is not JSON: " + text, e);
        }
    }
}
