package io.eventshop.bench;

import io.eventshop.system.RunningShop;
import io.eventshop.testing.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Orders placed at a steady rate, open loop: each is sent at its scheduled time on a thread of its own, whether
 * or not the earlier ones were answered, so a slow shop meets the same load (a closed loop would slow down with
 * it and hide its latency). Each order is labelled with the phase running when it was sent.
 *
 * <p>Placed → confirmed is measured per order: from the client's clock just before it sent the request to the
 * {@code occurred_at} of the order's decision in the store (OrderConfirmed, or OrderRejected), which
 * order-service stamps just before it appends the decision (same machine, same clock). Read from the store
 * after the phase, so measuring adds no load; polling each order would add several requests per order.
 */
final class OrderLoad implements AutoCloseable {

    /** One order as the client saw it. */
    private record Sent(String phase, UUID id, Instant sentAt, long answerNanos) {
    }

    /** An order's decision in the store: OrderConfirmed or OrderRejected, and when. */
    private record Decision(boolean confirmed, Instant at) {
    }

    /** A phase's figures. */
    record Figures(String phase, int sent, double seconds, int confirmed, int rejected, int undecided, int failed, double p50, double p99,
            double max, double answerP50, double answerP99) {

        /** Orders sent a second, answered or not. */
        double rate() {
            return (sent + failed) / seconds;
        }
    }

    private final RunningShop shop;
    private final List<String> skus;
    private final double rate;
    private final Supplier<String> token = ShopClient.bearer("bench-load", "shopper");
    private final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> failedByPhase = Collections.synchronizedMap(new HashMap<>());
    private final Map<String, long[]> phaseTimes = Collections.synchronizedMap(new HashMap<>());
    private final List<Thread> inFlight = Collections.synchronizedList(new ArrayList<>());
    private volatile String phase;
    private volatile boolean running = true;
    private final Thread scheduler;

    private OrderLoad(RunningShop shop, List<String> skus, double rate) {
        this.shop = shop;
        this.skus = skus;
        this.rate = rate;
        this.scheduler = Thread.ofPlatform().name("order-load").start(this::schedule);
    }

    /** Starts placing {@code rate} orders a second, in no phase until {@link #phase} names one. */
    static OrderLoad start(RunningShop shop, List<String> skus, double rate) {
        return new OrderLoad(shop, skus, rate);
    }

    /** Orders sent from now on belong to {@code name}; null: to none (a transition, not counted). */
    void phase(String name) {
        long now = System.nanoTime();
        if (phase != null) {
            phaseTimes.get(phase)[1] = now;
        }
        if (name != null) {
            phaseTimes.put(name, new long[] {now, 0});
            failedByPhase.put(name, new AtomicLong());
        }
        phase = name;
    }

    private void schedule() {
        long interval = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
        long next = System.nanoTime();
        while (running) {
            String label = phase;
            inFlight.add(Thread.ofVirtual().start(() -> place(label)));
            next += interval;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
            synchronized (inFlight) {
                inFlight.removeIf(thread -> !thread.isAlive());
            }
        }
    }

    private void place(String label) {
        Instant sentAt = Instant.now();
        long start = System.nanoTime();
        try {
            UUID id = ShopClient.placeOrder(shop, token, skus);
            if (label != null) {
                sent.add(new Sent(label, id, sentAt, System.nanoTime() - start));
            }
        } catch (RuntimeException e) {
            if (label != null) {
                failedByPhase.get(label).incrementAndGet();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        scheduler.interrupt();
        scheduler.join();
        List<Thread> threads;
        synchronized (inFlight) {
            threads = new ArrayList<>(inFlight);
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    /**
     * The figures of {@code phaseName}: waits (up to {@code within}) until the store holds a decision for each of its
     * orders, then takes each decision's time from the store of {@code database}.
     */
    Figures figures(String database, String phaseName, Duration within) throws SQLException, InterruptedException {
        List<Sent> orders = sent.stream().filter(s -> s.phase().equals(phaseName)).toList();
        long[] times = phaseTimes.get(phaseName);
        double seconds = ((times[1] == 0 ? System.nanoTime() : times[1]) - times[0]) / 1e9;
        Map<UUID, Sent> byId = new HashMap<>();
        orders.forEach(order -> byId.put(order.id(), order));
        Map<UUID, Decision> decisions = new HashMap<>();
        long deadline = System.nanoTime() + within.toNanos();
        try (Connection db = DriverManager.getConnection(LocalPostgres.jdbcUrl(database), LocalPostgres.USER, LocalPostgres.PASSWORD)) {
            while (true) {
                decisions.putAll(decisions(db, byId.keySet().stream().filter(id -> !decisions.containsKey(id)).toList()));
                if (decisions.size() == byId.size() || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(500);
            }
        }
        List<Double> millis = new ArrayList<>();
        int confirmed = 0;
        int rejected = 0;
        for (var decision : decisions.entrySet()) {
            Instant decidedAt = decision.getValue().at();
            millis.add(Duration.between(byId.get(decision.getKey()).sentAt(), decidedAt).toNanos() / 1e6);
            if (decision.getValue().confirmed()) {
                confirmed++;
            } else {
                rejected++;
            }
        }
        Collections.sort(millis);
        List<Double> answers = new ArrayList<>(orders.stream().map(o -> o.answerNanos() / 1e6).toList());
        Collections.sort(answers);
        return new Figures(phaseName, orders.size(), seconds, confirmed, rejected, byId.size() - decisions.size(),
                (int) failedByPhase.get(phaseName).get(), percentile(millis, 0.5), percentile(millis, 0.99),
                millis.isEmpty() ? Double.NaN : millis.getLast(), percentile(answers, 0.5), percentile(answers, 0.99));
    }

    /**
     * Whether the shop keeps up with the load: every order of {@code phaseName} sent between 15 and 5 seconds ago was
     * decided within a second. A shop still working off a backlog (its JIT compilers busy after the start, say) is not a
     * baseline.
     */
    boolean level(String database, String phaseName) throws SQLException {
        Instant now = Instant.now();
        Map<UUID, Instant> recent = new HashMap<>();
        sent.stream().filter(s -> s.phase().equals(phaseName) && s.sentAt().isAfter(now.minusSeconds(15))
                && s.sentAt().isBefore(now.minusSeconds(5))).forEach(s -> recent.put(s.id(), s.sentAt()));
        if (recent.isEmpty()) {
            return false;
        }
        try (Connection db = DriverManager.getConnection(LocalPostgres.jdbcUrl(database), LocalPostgres.USER, LocalPostgres.PASSWORD)) {
            Map<UUID, Decision> decided = decisions(db, List.copyOf(recent.keySet()));
            return decided.size() == recent.size() && decided.entrySet().stream()
                    .allMatch(d -> Duration.between(recent.get(d.getKey()), d.getValue().at()).compareTo(Duration.ofSeconds(1)) <= 0);
        }
    }

    // The decisions the store holds for these orders.
    private static Map<UUID, Decision> decisions(Connection db, List<UUID> orders) throws SQLException {
        Map<UUID, Decision> decisions = new HashMap<>();
        try (PreparedStatement query = db.prepareStatement("select stream_id, type, occurred_at from event_store.events"
                + " where stream_id = any (?) and stream_version = 2")) {
            query.setArray(1, db.createArrayOf("text", orders.stream().map(id -> "order-" + id).toArray()));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    decisions.put(UUID.fromString(rows.getString(1).substring("order-".length())),
                            new Decision(rows.getString(2).endsWith(".confirmed"), rows.getObject(3, OffsetDateTime.class).toInstant()));
                }
            }
        }
        return decisions;
    }

    private static double percentile(List<Double> sorted, double q) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    static String header() {
        return String.format("%-34s %7s %8s %9s %9s %9s %9s %9s %s", "phase", "orders", "sent/s", "p50 ms", "p99 ms", "max ms",
                "202 p50", "202 p99", "confirmed/rejected/undecided/failed");
    }

    static String row(Figures f) {
        return String.format("%-34s %,7d %8.1f %9.0f %9.0f %9.0f %9.0f %9.0f %d/%d/%d/%d", f.phase() + " (" + Math.round(f.seconds()) + " s)",
                f.sent(), f.rate(), f.p50(), f.p99(), f.max(), f.answerP50(), f.answerP99(), f.confirmed(), f.rejected(), f.undecided(),
                f.failed());
    }
}
