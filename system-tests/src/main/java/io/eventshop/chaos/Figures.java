package io.eventshop.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run's figures, from the store's business times (placed → confirmed is OrderPlaced's occurred_at to
 * OrderConfirmed's, both stamped by the services on this machine's clock) and the ledger of requests.
 */
final class Figures {

    /** An order's placing and confirming times (confirmed null: never confirmed). */
    record Timing(Instant placed, Instant confirmed) {
    }

    /** A stretch of the run with its load. */
    record Phase(String name, Instant start, Instant end) {
    }

    private final List<Timing> timings = new ArrayList<>();

    Figures(Invariants store) throws SQLException {
        try (Connection db = store.connect(); Statement sql = db.createStatement();
             ResultSet rows = sql.executeQuery("select p.occurred_at, c.occurred_at from event_store.events p"
                     + " left join event_store.events c on c.stream_id = p.stream_id and c.type = 'io.eventshop.order.confirmed'"
                     + " where p.type = 'io.eventshop.order.placed'")) {
            while (rows.next()) {
                timings.add(new Timing(rows.getTimestamp(1).toInstant(), rows.getTimestamp(2) == null ? null : rows.getTimestamp(2).toInstant()));
            }
        }
    }

    /** Time from the fault until an order placed at or after it was confirmed; null if none was. */
    Duration recovery(Instant fault) {
        return timings.stream().filter(t -> t.confirmed() != null && !t.placed().isBefore(fault))
                .map(t -> Duration.between(fault, t.confirmed())).min(Duration::compareTo).orElse(null);
    }

    void print(List<Phase> phases, List<FaultInjector.Injected> faults, Schedule schedule, Ledger ledger) {
        System.out.println();
        System.out.println("== figures ==");
        System.out.printf("%-12s %9s %9s %12s %14s %14s%n", "phase", "placed", "confirmed", "confirmed/s", "p50 → confirm", "p99 → confirm");
        for (Phase phase : phases) {
            List<Duration> latencies = new ArrayList<>();
            long placed = 0;
            for (Timing t : timings) {
                if (!t.placed().isBefore(phase.start()) && t.placed().isBefore(phase.end())) {
                    placed++;
                    if (t.confirmed() != null) {
                        latencies.add(Duration.between(t.placed(), t.confirmed()));
                    }
                }
            }
            Collections.sort(latencies);
            double seconds = Duration.between(phase.start(), phase.end()).toMillis() / 1000.0;
            System.out.printf("%-12s %9d %9d %12.1f %11d ms %11d ms%n", phase.name(), placed, latencies.size(), latencies.size() / seconds,
                    percentile(latencies, 0.5).toMillis(), percentile(latencies, 0.99).toMillis());
        }
        System.out.println();
        System.out.printf("%-45s %6s %14s %14s%n", "fault", "count", "recovery p50", "recovery max");
        Map<FaultKind, List<Duration>> recoveries = new EnumMap<>(FaultKind.class);
        Map<FaultKind, Integer> unrecovered = new EnumMap<>(FaultKind.class);
        for (FaultInjector.Injected fault : faults) {
            Duration recovery = recovery(fault.at());
            if (recovery == null) {
                unrecovered.merge(fault.kind(), 1, Integer::sum);
            } else {
                recoveries.computeIfAbsent(fault.kind(), k -> new ArrayList<>()).add(recovery);
            }
        }
        for (FaultKind kind : FaultKind.values()) {
            long count = faults.stream().filter(f -> f.kind() == kind).count();
            if (count == 0) {
                System.out.printf("%-45s %6s%n", kind.label(), schedule.leftOut().contains(kind) ? "not run: this topology cannot" : "0");
                continue;
            }
            List<Duration> list = new ArrayList<>(recoveries.getOrDefault(kind, List.of()));
            Collections.sort(list);
            System.out.printf("%-45s %6d %11.1f s %11.1f s%s%n", kind.label(), count, percentile(list, 0.5).toMillis() / 1000.0,
                    list.isEmpty() ? 0 : list.getLast().toMillis() / 1000.0,
                    unrecovered.containsKey(kind) ? "  (" + unrecovered.get(kind) + " with no order placed after it)" : "");
        }
        System.out.println("(recovery: from the fault's start until an order placed after it was confirmed)");
        System.out.println();
        List<Ledger.Request> requests = ledger.requests();
        Map<String, int[]> byOperation = new TreeMap<>();
        for (Ledger.Request r : requests) {
            int[] c = byOperation.computeIfAbsent(r.operation().name(), k -> new int[4]);
            c[0]++;
            c[1] += r.failed() ? 1 : 0;
            c[2] += r.attempts() > 1 ? 1 : 0;
            c[3] += r.status() >= 200 && r.status() < 300 ? 0 : 1;
        }
        System.out.printf("%-10s %9s %9s %12s %9s%n", "requests", "sent", "failed", "retried", "non-2xx");
        byOperation.forEach((op, c) -> System.out.printf("%-10s %9d %9d %12d %9d%n", op, c[0], c[1], c[2], c[3]));
        System.out.println("(failed: no answer in the end, a 5xx, or a 4xx the load does not provoke on purpose; retried: sent again with"
                + " the same Idempotency-Key after a network error or a 502/503/504)");
        for (FaultInjector.Injected fault : faults) {
            if (fault.kind() == FaultKind.ROLLING_RESTART) {
                List<Ledger.Request> during = ledger.between(fault.at(), fault.done());
                long failed = during.stream().filter(Ledger.Request::failed).count();
                long retried = during.stream().filter(r -> r.attempts() > 1).count();
                System.out.printf("rolling restart of %s (%d s): %d requests, %d failed (goal 0), %d retried%n", fault.target(),
                        Duration.between(fault.at(), fault.done()).toSeconds(), during.size(), failed, retried);
                during.stream().filter(Ledger.Request::failed).limit(5).forEach(r -> System.out.println("  " + r));
            }
        }
    }

    /** The failed requests during each rolling restart, for the verdict. */
    static List<Ledger.Request> failedDuringRollingRestarts(List<FaultInjector.Injected> faults, Ledger ledger) {
        return faults.stream().filter(f -> f.kind() == FaultKind.ROLLING_RESTART)
                .flatMap(f -> ledger.between(f.at(), f.done()).stream().filter(Ledger.Request::failed)).toList();
    }

    private static Duration percentile(List<Duration> sorted, double q) {
        if (sorted.isEmpty()) {
            return Duration.ZERO;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }
}
