package io.eventshop.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventshop.testing.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The four analytics answers computed a second, independent way: straight from the store's rows with
 * plain JDBC and JSON trees, no view, no subscriber runtime, no event classes. What the service answers
 * must equal this, now and as of any earlier moment. Public, in this module's test-jar, because the chaos suite
 * (system-tests) holds the views of a whole run against it too.
 */
public final class Reference {

    /** A stored event as this computation sees it. */
    public record Row(String stream, int version, String type, JsonNode data, Instant occurredAt, long tx, long pos) {
    }

    /** The four answers, each as sorted lines of text, so that comparing them shows what differs. */
    public record Answers(List<String> sales, List<String> funnel, List<String> rejectionsByReason, List<String> rejectionsBySku,
            List<String> revenueByDay) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static List<Row> read(String database) throws Exception {
        try (Connection connection = DriverManager.getConnection(LocalPostgres.jdbcUrl(database), LocalPostgres.USER, LocalPostgres.PASSWORD)) {
            return read(connection);
        }
    }

    /** Every order and product event of the store {@code connection} leads to, in store order. */
    public static List<Row> read(Connection connection) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (Statement sql = connection.createStatement();
             ResultSet result = sql.executeQuery("select stream_id, stream_version, type, data::text, occurred_at,"
                     + " transaction_id::text::bigint, global_position from event_store.events"
                     + " where category in ('order', 'product') order by transaction_id, global_position")) {
            while (result.next()) {
                rows.add(new Row(result.getString(1), result.getInt(2), result.getString(3), JSON.readTree(result.getString(4)),
                        result.getTimestamp(5).toInstant(), result.getLong(6), result.getLong(7)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the store: " + e.getMessage(), e);
        }
        return rows;
    }

    static Predicate<Row> upToTime(Instant time) {
        return row -> !row.occurredAt().isAfter(time);
    }

    static Predicate<Row> upToPosition(long tx, long pos) {
        return row -> row.tx() < tx || row.tx() == tx && row.pos() <= pos;
    }

    private static final class Order {
        JsonNode placed;
        JsonNode placedEver;
        Row confirmed;
        Row rejected;
        Row cancelled;
        Row confirmedEver;
        Row cancelledEver;
    }

    public static Answers compute(List<Row> all, Predicate<Row> included) {
        Map<String, String> names = new HashMap<>();
        Map<String, Order> orders = new LinkedHashMap<>();
        for (Row row : all) {
            if (row.type().equals("io.eventshop.product.added")) {
                names.put(row.data().get("sku").asText(), row.data().get("name").asText()); // names are not time-travelled
            }
            if (!row.stream().startsWith("order-")) {
                continue;
            }
            Order order = orders.computeIfAbsent(row.stream(), s -> new Order());
            boolean in = included.test(row);
            switch (row.type()) {
                case "io.eventshop.order.placed" -> {
                    order.placedEver = row.data();
                    order.placed = in ? row.data() : null;
                }
                case "io.eventshop.order.confirmed" -> {
                    order.confirmedEver = row;
                    order.confirmed = in ? row : null;
                }
                case "io.eventshop.order.rejected" -> order.rejected = in ? row : null;
                case "io.eventshop.order.cancelled" -> {
                    order.cancelledEver = row;
                    order.cancelled = in ? row : null;
                }
                default -> throw new IllegalStateException("unexpected " + row.type());
            }
        }
        Map<String, long[]> sales = new TreeMap<>();
        Map<String, long[]> revenue = new TreeMap<>();
        Map<String, Long> bySku = new TreeMap<>();
        Map<String, Long> bySkuUnits = new TreeMap<>();
        Map<String, Set<String>> byReason = new TreeMap<>();
        long placed = 0;
        long confirmed = 0;
        long rejected = 0;
        long cancelled = 0;
        for (Map.Entry<String, Order> entry : orders.entrySet()) {
            Order order = entry.getValue();
            placed += order.placed != null ? 1 : 0;
            confirmed += order.confirmed != null ? 1 : 0;
            rejected += order.rejected != null ? 1 : 0;
            cancelled += order.cancelled != null ? 1 : 0;
            if (order.confirmed != null && order.cancelled == null) {
                for (JsonNode line : order.placedEver.get("lines")) {
                    String sku = line.get("sku").asText();
                    String currency = line.get("unitPrice").get("currency").asText();
                    long[] sum = sales.computeIfAbsent(sku + "|" + names.get(sku) + "|" + currency, k -> new long[3]);
                    sum[0] += line.get("quantity").asLong();
                    sum[1] += line.get("quantity").asLong() * line.get("unitPrice").get("amount").asLong();
                    sum[2] += 1;
                }
            }
            JsonNode total = order.placedEver.get("total");
            if (order.confirmed != null) {
                book(revenue, order.confirmed.occurredAt(), total, 1);
            }
            if (order.cancelled != null && order.confirmedEver != null && order.confirmedEver.version() < order.cancelled.version()) {
                book(revenue, order.cancelled.occurredAt(), total, -1);
            }
            if (order.rejected != null) {
                for (JsonNode line : order.rejected.data().get("rejections")) {
                    String key = line.get("reason").asText() + "|" + line.get("sku").asText();
                    bySku.merge(key, 1L, Long::sum);
                    bySkuUnits.merge(key, line.get("requested").asLong(), Long::sum);
                    byReason.computeIfAbsent(line.get("reason").asText(), r -> new HashSet<>()).add(entry.getKey());
                }
            }
        }
        List<String> salesLines = new ArrayList<>();
        sales.forEach((key, sum) -> salesLines.add(key + "|" + sum[0] + "|" + sum[1] + "|" + sum[2]));
        List<String> revenueLines = new ArrayList<>();
        revenue.forEach((key, sum) -> revenueLines.add(key + "|" + sum[0] + "|" + sum[1] + "|" + sum[2]));
        List<String> skuLines = new ArrayList<>();
        bySku.forEach((key, count) -> skuLines.add(key + "|" + count + "|" + bySkuUnits.get(key)));
        List<String> reasonLines = new ArrayList<>();
        byReason.forEach((reason, set) -> reasonLines.add(reason + "|" + set.size()));
        return new Answers(salesLines, List.of(placed + "|" + confirmed + "|" + rejected + "|" + cancelled), reasonLines, skuLines,
                revenueLines);
    }

    private static void book(Map<String, long[]> revenue, Instant at, JsonNode total, int sign) {
        String key = at.truncatedTo(ChronoUnit.DAYS) + "|" + total.get("currency").asText();
        long[] sum = revenue.computeIfAbsent(key, k -> new long[3]);
        sum[0] += sign * total.get("amount").asLong();
        sum[sign > 0 ? 1 : 2] += 1;
    }
}
