package io.eventshop.analytics;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.Money;
import io.eventshop.events.NewEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.order.OrderRejected;
import io.eventshop.events.product.ProductAdded;
import io.eventshop.events.product.ProductPriceChanged;
import io.eventshop.events.product.StockReplenished;
import io.eventshop.events.reservation.LineRejection;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A shop's history written straight into the store, as order-service and inventory-service write it:
 * products in EUR and USD, price changes and restocks, and orders of one to three lines that end
 * confirmed, rejected (insufficient stock, unknown sku), cancelled after confirmation, cancelled while
 * pending, or still pending. Seeded, so a failing run can be replayed.
 */
final class Workload {

    private final EventStore store;
    private final Random random;
    private final String prefix;
    private final Map<String, Money> prices = new LinkedHashMap<>();
    private final List<UUID> pending = new ArrayList<>();
    private final Supplier<Instant> clock;

    Workload(EventStore store, long seed) {
        this(store, seed, Instant::now);
    }

    /** With the business time ({@code occurred_at}) of each event from {@code clock}. */
    Workload(EventStore store, long seed, Supplier<Instant> clock) {
        this.store = store;
        this.random = new Random(seed);
        this.prefix = "A" + Long.toHexString(seed).toUpperCase() + "-";
        this.clock = clock;
    }

    void addProducts() {
        for (int i = 0; i < 6; i++) {
            String sku = prefix + "SKU-" + i;
            Money price = Money.of(100 + random.nextInt(5000), i < 4 ? "EUR" : "USD");
            prices.put(sku, price);
            append("product-" + sku, 0, new ProductAdded(sku, "Product " + i, price, 50));
        }
    }

    void changePricesAndRestock() {
        List<String> skus = new ArrayList<>(prices.keySet());
        for (int i = 0; i < 3; i++) {
            String sku = skus.get(random.nextInt(skus.size()));
            Money price = Money.of(100 + random.nextInt(5000), prices.get(sku).currency());
            prices.put(sku, price);
            append("product-" + sku, -1, new ProductPriceChanged(sku, price));
            append("product-" + sku, -1, new StockReplenished(sku, 10 + random.nextInt(40)));
        }
    }

    /** Places {@code count} orders and decides most of them; a few cancel orders left pending earlier. */
    void orders(int count) {
        for (int i = 0; i < count; i++) {
            order();
        }
    }

    void order() {
        List<String> skus = new ArrayList<>(prices.keySet());
        String currency = random.nextBoolean() ? "EUR" : "USD";
        List<OrderLine> lines = new ArrayList<>();
        List<String> candidates = skus.stream().filter(sku -> prices.get(sku).currency().equals(currency)).toList();
        int lineCount = 1 + random.nextInt(Math.min(3, candidates.size()));
        List<String> shuffled = new ArrayList<>(candidates);
        Collections.shuffle(shuffled, random);
        for (String sku : shuffled.subList(0, lineCount)) {
            lines.add(new OrderLine(sku, 1 + random.nextInt(4), prices.get(sku)));
        }
        Money total = lines.stream().map(OrderLine::lineTotal).reduce(Money::plus).orElseThrow();
        UUID id = UUID.randomUUID();
        String stream = "order-" + id;
        append(stream, 0, new OrderPlaced(id, "shopper-" + random.nextInt(5), lines, total));
        int outcome = random.nextInt(100);
        if (outcome < 50) {
            append(stream, 1, new OrderConfirmed(id));
        } else if (outcome < 65) {
            append(stream, 1, new OrderConfirmed(id));
            append(stream, 2, new OrderCancelled(id, random.nextBoolean() ? OrderCancelled.CancelledBy.SHOPPER : OrderCancelled.CancelledBy.ADMIN));
        } else if (outcome < 85) {
            OrderLine line = lines.getFirst();
            LineRejection rejection = random.nextBoolean()
                    ? new LineRejection(line.sku(), LineRejection.Reason.INSUFFICIENT_STOCK, line.quantity(), random.nextInt(line.quantity()))
                    : new LineRejection(line.sku(), LineRejection.Reason.UNKNOWN_SKU, line.quantity(), 0);
            append(stream, 1, new OrderRejected(id, List.of(rejection)));
        } else if (outcome < 92) {
            append(stream, 1, new OrderCancelled(id, OrderCancelled.CancelledBy.SHOPPER));
        } else {
            pending.add(id);
        }
        if (pending.size() > 3) {
            UUID decided = pending.removeFirst();
            append("order-" + decided, 1, new OrderConfirmed(decided));
        }
    }

    /**
     * A confirmed order appended in a transaction that takes its transaction id before {@code meanwhile} runs and
     * commits after it: it comes before what {@code meanwhile} appends in the store's order, with higher positions.
     */
    void confirmedOrderAround(Runnable meanwhile) {
        String sku = prices.keySet().iterator().next();
        OrderLine line = new OrderLine(sku, 2, prices.get(sku));
        UUID id = UUID.randomUUID();
        List<NewEvent> events = List.of(encode(new OrderPlaced(id, "shopper-0", List.of(line), line.lineTotal())),
                encode(new OrderConfirmed(id)));
        CompletableFuture<Void> started = new CompletableFuture<>();
        CompletableFuture<Void> go = new CompletableFuture<>();
        CompletableFuture<Void> done = store.inTransaction(tx -> tx.connection().query("select pg_current_xact_id()").execute()
                        .invoke(() -> started.complete(null))
                        .chain(() -> Uni.createFrom().completionStage(go))
                        .chain(() -> store.append(tx, StreamId.parse("order-" + id), ExpectedVersion.exactly(0), events)))
                .replaceWithVoid().subscribeAsCompletionStage();
        started.join();
        meanwhile.run();
        go.complete(null);
        done.join();
    }

    /**
     * Two orders placed and confirmed in one transaction, {@code between} run (from another session) after the first
     * is appended and before the second: a transaction whose events lie on both sides of whatever {@code between} does
     * to the store's positions.
     */
    void confirmedOrdersInOneTransaction(Runnable between) {
        String sku = prices.keySet().iterator().next();
        OrderLine line = new OrderLine(sku, 1, prices.get(sku));
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        store.inTransaction(tx -> store.append(tx, StreamId.parse("order-" + first), ExpectedVersion.exactly(0),
                        List.of(encode(new OrderPlaced(first, "shopper-0", List.of(line), line.lineTotal())), encode(new OrderConfirmed(first))))
                .call(() -> Uni.createFrom().item(() -> {
                    between.run(); // blocking (JDBC): off the event loop
                    return true;
                }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .chain(() -> store.append(tx, StreamId.parse("order-" + second), ExpectedVersion.exactly(0),
                        List.of(encode(new OrderPlaced(second, "shopper-0", List.of(line), line.lineTotal())), encode(new OrderConfirmed(second))))))
                .await().atMost(Duration.ofSeconds(30));
    }

    // expected: the exact version before this append (0 = new stream), or -1 for any.
    private void append(String stream, int expected, DomainEvent event) {
        NewEvent encoded = encode(event);
        store.inTransaction(tx -> store.append(tx, StreamId.parse(stream),
                        expected < 0 ? ExpectedVersion.ANY : ExpectedVersion.exactly(expected), List.of(encoded)))
                .await().atMost(Duration.ofSeconds(30));
    }

    private NewEvent encode(DomainEvent event) {
        return EventCodec.encode(event, EventMetadata.startingFlow("analytics-test", UUID.randomUUID(), "test"), clock.get());
    }
}
