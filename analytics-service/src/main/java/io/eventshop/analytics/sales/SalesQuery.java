package io.eventshop.analytics.sales;

import io.eventshop.analytics.timetravel.AsOf;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The SQL of a sales question, read from the aggregates the view keeps beside its facts (DECISIONS 5): now is the
 * totals; a time is the whole days before its day, the whole hours of its day before its hour, and the facts of
 * its hour up to it; a store position is the position buckets wholly before it, and the facts up to it of the
 * buckets it cuts. Every answer is exactly the filter over the facts (DECISIONS 2), without scanning them all.
 *
 * @param sql    rows of sku, name, currency, units, revenue, orders, by sku and currency
 * @param params after {@code asOf}'s own
 */
record SalesQuery(String sql, List<Object> params) {

    // A line's +1 at its confirmation and -1 at its later cancellation, as SalesDeltas adds them, from the facts themselves.
    private static final String LINE = "select l.sku, l.currency, l.quantity::bigint as units, l.amount as revenue, 1::bigint as orders";
    private static final String LINE_BACK = "select l.sku, l.currency, -l.quantity::bigint, -l.amount, -1::bigint";
    private static final String BUCKET = "select b.sku, b.currency, b.units, b.revenue, b.orders";

    static SalesQuery of(AsOf asOf) {
        return switch (asOf) {
            case AsOf.Now now -> new SalesQuery(named("select sku, currency, units, revenue, orders from analytics.sales_totals where orders <> 0"),
                    List.of());
            case AsOf.AtTime at -> {
                long day = Math.floorDiv(at.time().getEpochSecond(), SalesDeltas.DAY_SECONDS);
                long hour = Math.floorDiv(at.time().getEpochSecond(), SalesDeltas.HOUR_SECONDS);
                // $1 the time, $2 its day, $3 its hour, $4 the start of its hour
                yield new SalesQuery(summed(BUCKET + " from analytics.sales_time_buckets b where b.span_hours = 24 and b.bucket < $2"
                        + " union all " + BUCKET + " from analytics.sales_time_buckets b where b.span_hours = 1 and b.bucket >= $2 * 24 and b.bucket < $3"
                        + " union all " + LINE + " from analytics.sales_lines l where l.confirmed_at >= $4 and l.confirmed_at <= $1"
                        + " and (l.cancelled_at is null or l.cancelled_at > l.confirmed_at)"
                        + " union all " + LINE_BACK + " from analytics.sales_lines l where l.cancelled_at >= $4 and l.cancelled_at <= $1"
                        + " and l.cancelled_at > l.confirmed_at"),
                        List.of(day, hour, Instant.ofEpochSecond(hour * SalesDeltas.HOUR_SECONDS).atOffset(ZoneOffset.UTC)));
            }
            case AsOf.AtPosition at -> {
                // $1 the transaction, $2 the position. A bucket whose every row's last position is at or before ($1, $2) lies
                // wholly before it, one whose every row's first position is after it wholly after; the others are read from
                // their facts. By position, not by transaction alone: a bucket of the asked transaction is cut only if it
                // holds the asked position (a bulk transaction spans many buckets).
                yield new SalesQuery("with r as (select bucket, bool_and((max_tx, max_pos) <= ($1, $2)) as before,"
                        + " bool_and((min_tx, min_pos) > ($1, $2)) as after from analytics.sales_position_buckets group by bucket) "
                        + summed(BUCKET + " from analytics.sales_position_buckets b join r on r.bucket = b.bucket where r.before"
                        + " union all " + cut(LINE, "confirmed",
                                "(l.cancelled_pos is null or (l.cancelled_tx, l.cancelled_pos) > (l.confirmed_tx, l.confirmed_pos))")
                        + " union all " + cut(LINE_BACK, "cancelled", "(l.cancelled_tx, l.cancelled_pos) > (l.confirmed_tx, l.confirmed_pos)")),
                        List.of());
            }
        };
    }

    // The facts up to the position ($1, $2) of the buckets it cuts, by their confirmation's or cancellation's position.
    // Read bucket by bucket, each an index range scan: the subquery is lateral and fenced (offset 0) so that the
    // planner cannot flatten it into a join, where it chose for the cancellations one scan of the whole index filtered
    // row by row (1.2-1.5 s at 5 M events against 0.1-0.2 s; docs/benchmarks.md).
    private static String cut(String select, String side, String condition) {
        return "select f.* from r cross join lateral (" + select + " from analytics.sales_lines l where l." + side + "_pos >= r.bucket * "
                + SalesDeltas.POSITION_BUCKET + " and l." + side + "_pos < (r.bucket + 1) * " + SalesDeltas.POSITION_BUCKET
                + " and (l." + side + "_tx, l." + side + "_pos) <= ($1::bigint::text::xid8, $2) and " + condition + " offset 0) f"
                + " where not r.before and not r.after";
    }

    // Sums what the parts add per sku and currency; a group all of whose lines were taken back is no answer.
    private static String summed(String parts) {
        return named("select sku, currency, sum(units)::bigint as units, sum(revenue)::bigint as revenue, sum(orders)::bigint as orders"
                + " from (" + parts + ") d group by sku, currency having sum(orders) <> 0");
    }

    // Names the few groups after they are summed.
    private static String named(String groups) {
        return "select t.sku, p.name, t.currency, t.units, t.revenue, t.orders from (" + groups + ") t"
                + " left join analytics.sales_products p on p.sku = t.sku order by t.sku, t.currency";
    }
}
