package io.eventshop.analytics.sales;

import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a batch's changed order lines add to the sales aggregates, summed per target row: the totals ("now"),
 * the business-time buckets (days and hours) and the store-position buckets.
 *
 * <p>A line counts as of a moment when its confirmation had happened and its cancellation had not. So it adds
 * +1 at its confirmation and -1 at the later of its confirmation and cancellation (a cancellation first makes it
 * count never: nothing at all). Business time and store order are separate orders, so each has its own pair.
 * A change of a line takes away what its old facts added and adds what its new ones add: a line set again to
 * the facts it had (an event applied again) adds nothing.
 *
 * <p>The rows come out sorted by key, so every transaction locks the rows it adds to in the same order.
 */
final class SalesDeltas {

    /** Positions per store-position bucket. */
    static final long POSITION_BUCKET = 1 << 15;
    static final long DAY_SECONDS = 86_400;
    static final long HOUR_SECONDS = 3_600;

    /** One fact of a line: when (business time) and where (store order) it happened. */
    record Fact(Instant at, long tx, long pos) {

        boolean after(Fact other) {
            return tx != other.tx ? tx > other.tx : pos > other.pos;
        }

        static Fact of(Row row, int first) {
            OffsetDateTime at = row.getOffsetDateTime(first);
            return at == null ? null : new Fact(at.toInstant(), row.getLong(first + 1), row.getLong(first + 2));
        }
    }

    private record Group(String sku, String currency) implements Comparable<Group> {
        @Override
        public int compareTo(Group other) {
            int bySku = sku.compareTo(other.sku);
            return bySku != 0 ? bySku : currency.compareTo(other.currency);
        }
    }

    private record Bucket(long span, long number, Group group) implements Comparable<Bucket> {
        @Override
        public int compareTo(Bucket other) {
            int c = Long.compare(span, other.span);
            c = c != 0 ? c : Long.compare(number, other.number);
            return c != 0 ? c : group.compareTo(other.group);
        }
    }

    /** Units, revenue, orders; and for position buckets the first and the last store position that added to it. */
    private static final class Sum {
        long units;
        long revenue;
        long orders;
        Fact first;
        Fact last;

        void add(int sign, long quantity, long amount) {
            units += sign * quantity;
            revenue += sign * amount;
            orders += sign;
        }

        void add(int sign, long quantity, long amount, Fact at) {
            add(sign, quantity, amount);
            first = first == null || first.after(at) ? at : first;
            last = last == null || at.after(last) ? at : last;
        }
    }

    private final Map<Group, Sum> totals = new TreeMap<>();
    private final Map<Bucket, Sum> times = new TreeMap<>();
    private final Map<Bucket, Sum> positions = new TreeMap<>();

    /** A line changed from its old facts to its new ones. */
    void changed(String sku, String currency, long quantity, long amount, Fact oldConfirmed, Fact oldCancelled, Fact confirmed,
            Fact cancelled) {
        Group group = new Group(sku, currency);
        add(group, quantity, amount, oldConfirmed, oldCancelled, -1);
        add(group, quantity, amount, confirmed, cancelled, 1);
    }

    private void add(Group group, long quantity, long amount, Fact confirmed, Fact cancelled, int sign) {
        if (confirmed == null) {
            return;
        }
        if (cancelled == null) {
            totals.computeIfAbsent(group, g -> new Sum()).add(sign, quantity, amount);
        }
        if (cancelled == null || cancelled.at().isAfter(confirmed.at())) {
            time(group, confirmed.at(), sign, quantity, amount);
        }
        if (cancelled != null && cancelled.at().isAfter(confirmed.at())) {
            time(group, cancelled.at(), -sign, quantity, amount);
        }
        if (cancelled == null || cancelled.after(confirmed)) {
            position(group, confirmed, sign, quantity, amount);
        }
        if (cancelled != null && cancelled.after(confirmed)) {
            position(group, cancelled, -sign, quantity, amount);
        }
    }

    private void time(Group group, Instant at, int sign, long quantity, long amount) {
        for (long span : List.of(DAY_SECONDS, HOUR_SECONDS)) {
            times.computeIfAbsent(new Bucket(span / HOUR_SECONDS, Math.floorDiv(at.getEpochSecond(), span), group), b -> new Sum())
                    .add(sign, quantity, amount);
        }
    }

    private void position(Group group, Fact fact, int sign, long quantity, long amount) {
        positions.computeIfAbsent(new Bucket(0, fact.pos() / POSITION_BUCKET, group), b -> new Sum()).add(sign, quantity, amount, fact);
    }

    boolean isEmpty() {
        return totals.isEmpty() && times.isEmpty() && positions.isEmpty();
    }

    /**
     * $1 skus, $2 currencies, $3 units, $4 revenue, $5 orders. Rows that net to nothing too: a position bucket's bounds
     * must hold every store position that added to it (a line confirmed and cancelled within one bucket nets to nothing
     * there, yet counts between the two), and a copy built in big batches then has the rows a live one has.
     */
    Tuple totals() {
        List<Object[]> columns = columns(5, totals.size());
        int i = 0;
        for (Map.Entry<Group, Sum> entry : totals.entrySet()) {
            fill(columns, i++, entry.getKey(), entry.getValue());
        }
        return Tuple.from(List.<Object>copyOf(columns));
    }

    /** $1 skus, $2 currencies, $3 units, $4 revenue, $5 orders, $6 span in hours, $7 bucket numbers; as {@link #totals()}. */
    Tuple times() {
        List<Object[]> columns = columns(7, times.size());
        int i = 0;
        for (Map.Entry<Bucket, Sum> entry : times.entrySet()) {
            fill(columns, i, entry.getKey().group(), entry.getValue());
            columns.get(5)[i] = (int) entry.getKey().span();
            columns.get(6)[i++] = entry.getKey().number();
        }
        return Tuple.from(List.<Object>copyOf(columns));
    }

    /**
     * $1 skus, $2 currencies, $3 units, $4 revenue, $5 orders, $6 bucket numbers, $7 and $8 the first store position
     * (transaction, position), $9 and $10 the last; as {@link #totals()}.
     */
    Tuple positions() {
        List<Object[]> columns = columns(10, positions.size());
        int i = 0;
        for (Map.Entry<Bucket, Sum> entry : positions.entrySet()) {
            Sum sum = entry.getValue();
            fill(columns, i, entry.getKey().group(), sum);
            columns.get(5)[i] = entry.getKey().number();
            columns.get(6)[i] = sum.first.tx();
            columns.get(7)[i] = sum.first.pos();
            columns.get(8)[i] = sum.last.tx();
            columns.get(9)[i++] = sum.last.pos();
        }
        return Tuple.from(List.<Object>copyOf(columns));
    }

    private static List<Object[]> columns(int count, int rows) {
        List<Object[]> columns = new ArrayList<>();
        columns.add(new String[rows]);
        columns.add(new String[rows]);
        for (int c = 2; c < count; c++) {
            columns.add(c == 5 && count == 7 ? new Integer[rows] : new Long[rows]);
        }
        return columns;
    }

    private static void fill(List<Object[]> columns, int i, Group group, Sum sum) {
        columns.get(0)[i] = group.sku();
        columns.get(1)[i] = group.currency();
        columns.get(2)[i] = sum.units;
        columns.get(3)[i] = sum.revenue;
        columns.get(4)[i] = sum.orders;
    }
}
