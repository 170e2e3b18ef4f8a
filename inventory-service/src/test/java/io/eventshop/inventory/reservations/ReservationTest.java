package io.eventshop.inventory.reservations;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import io.eventshop.broker.BrokerConnection;
import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.Money;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderCancelled;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.events.order.OrderLine;
import io.eventshop.events.order.OrderPlaced;
import io.eventshop.events.order.OrderRejected;
import io.eventshop.events.reservation.LineRejection;
import io.eventshop.events.reservation.ReservationEvent;
import io.eventshop.events.reservation.ReservedLine;
import io.eventshop.events.reservation.StockReleased;
import io.eventshop.events.reservation.StockReservationRejected;
import io.eventshop.events.reservation.StockReserved;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoredEvent;
import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.OwnerStore;
import io.eventshop.testing.StoreFixture;
import io.eventshop.testing.Tokens;
import io.eventshop.wire.CloudEventCodec;
import io.eventshop.wire.Exchanges;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The reservation reactor with real concurrency: order events are relayed by this process and
 * delivered to the reactor as messages, many in flight at once.
 */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class ReservationTest {

    // Plays the other services' writers: the service's own role may append only its own categories.
    final EventStore store = OwnerStore.on(StoreFixture.DATABASE);
    @Inject
    MeterRegistry registry;

    @Test
    void an_order_is_reserved_whole_and_a_cancellation_releases_it_once() {
        String mug = product(5);
        String plate = product(3);
        UUID order = placeOrder(Map.of(mug, 2, plate, 1));

        List<DomainEvent> reservation = awaitReservation(order, 1);
        assertThat(reservation.getFirst()).isEqualTo(new StockReserved(order, List.of(new ReservedLine(mug, 2), new ReservedLine(plate, 1))
                .stream().sorted(Comparator.comparing(ReservedLine::sku)).toList()));
        assertStock(mug, 5, 2);
        assertStock(plate, 3, 1);

        append(new OrderCancelled(order, OrderCancelled.CancelledBy.SHOPPER));
        append(new OrderCancelled(order, OrderCancelled.CancelledBy.ADMIN)); // a second one must not release twice

        assertThat(awaitReservation(order, 2).getLast()).isInstanceOf(StockReleased.class);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> reservation(order).size() == 2);
        assertStock(mug, 5, 0);
        assertStock(plate, 3, 0);
    }

    @Test
    void a_reservation_that_comes_after_the_order_timed_out_is_released() {
        String mug = product(5);
        UUID order = placeOrder(Map.of(mug, 3));
        assertThat(awaitReservation(order, 1).getFirst()).isInstanceOf(StockReserved.class);
        assertStock(mug, 5, 3);

        // order-service gave up waiting (its deadline) before this reservation reached it: the order is rejected.
        append(new OrderRejected(order, List.of(new LineRejection(mug, LineRejection.Reason.RESERVATION_TIMEOUT, 3, 0))));

        assertThat(awaitReservation(order, 2).getLast()).isEqualTo(new StockReleased(order, List.of(new ReservedLine(mug, 3))));
        assertStock(mug, 5, 0);
    }

    @Test
    void an_order_that_cannot_be_reserved_whole_reserves_nothing_and_names_each_failing_line() {
        String mug = product(3);
        String plate = product(10);
        String unknown = "NO-SUCH-" + UUID.randomUUID().toString().substring(0, 8);
        UUID order = placeOrder(Map.of(mug, 4, plate, 2, unknown, 1));

        StockReservationRejected rejected = (StockReservationRejected) awaitReservation(order, 1).getFirst();
        assertThat(rejected.rejections()).containsExactlyInAnyOrder(
                new LineRejection(mug, LineRejection.Reason.INSUFFICIENT_STOCK, 4, 3),
                new LineRejection(unknown, LineRejection.Reason.UNKNOWN_SKU, 1, 0));
        assertStock(mug, 3, 0);
        assertStock(plate, 10, 0);

        append(new OrderCancelled(order, OrderCancelled.CancelledBy.SHOPPER));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> reservation(order).size() == 1);
    }

    @Test
    void many_concurrent_orders_over_the_stock_never_oversell_and_each_is_all_or_nothing() throws Exception {
        List<String> skus = List.of(product(10), product(7), product(4));
        Map<UUID, Map<String, Integer>> orders = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            Map<String, Integer> lines = new HashMap<>();
            int count = 1 + ThreadLocalRandom.current().nextInt(3);
            for (int l = 0; l < count; l++) {
                lines.put(skus.get(ThreadLocalRandom.current().nextInt(skus.size())), 1 + ThreadLocalRandom.current().nextInt(3));
            }
            orders.put(UUID.randomUUID(), lines);
        }
        List<Thread> writers = orders.entrySet().stream().map(entry -> Thread.ofVirtual().start(() -> placeOrder(entry.getKey(), entry.getValue())))
                .toList();
        for (Thread writer : writers) {
            writer.join();
        }

        Map<String, Integer> reservedBySku = new HashMap<>();
        int confirmed = 0;
        for (Map.Entry<UUID, Map<String, Integer>> entry : orders.entrySet()) {
            DomainEvent outcome = awaitReservation(entry.getKey(), 1).getFirst();
            if (outcome instanceof StockReserved reserved) {
                confirmed++;
                Map<String, Integer> held = new HashMap<>();
                reserved.lines().forEach(line -> held.put(line.sku(), line.quantity()));
                assertThat(held).as("all or nothing").isEqualTo(entry.getValue());
                held.forEach((sku, quantity) -> reservedBySku.merge(sku, quantity, Integer::sum));
            } else {
                assertThat(outcome).isInstanceOf(StockReservationRejected.class);
            }
        }
        int[] stock = {10, 7, 4};
        for (int i = 0; i < skus.size(); i++) {
            int reserved = reservedBySku.getOrDefault(skus.get(i), 0);
            assertThat(reserved).as("never oversold").isLessThanOrEqualTo(stock[i]);
            assertStock(skus.get(i), stock[i], reserved);
        }
        assertThat(confirmed).as("some fit, some do not").isBetween(1, 39);
    }

    @Test
    void a_forged_order_placed_for_an_order_the_store_does_not_hold_reserves_nothing_and_appends_nothing() throws Exception {
        String mug = product(4);
        UUID phantom = UUID.randomUUID();
        OrderLine line = new OrderLine(mug, 4, Money.of(100, "EUR"));
        var forged = EventCodec.encode(new OrderPlaced(phantom, "mallory", List.of(line), line.lineTotal()),
                new EventMetadata(null, null, "order-service", null, "mallory"), Instant.now());
        double ignoredBefore = unmatched();
        // Published as anyone with a broker account could, onto the order exchange.
        try (Channel channel = Arc.container().instance(BrokerConnection.class).get().get().createChannel()) {
            channel.basicPublish(Exchanges.forCategory(OrderEvent.CATEGORY), "", null, CloudEventCodec.encode(new RecordedEvent(
                    forged.eventId(), OrderEvent.stream(phantom), 1, forged.type(), forged.schemaVersion(), forged.data(), forged.metadata(),
                    forged.occurredAt())));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> unmatched() > ignoredBefore);
        assertStock(mug, 4, 0);
        assertThat(reservation(phantom)).as("no reservation stream for an order that never was").isEmpty();
    }

    private double unmatched() {
        var counter = registry.find("eventshop.subscriber.doorbells.unmatched").tag("subscriber", Reservations.NAME).counter();
        return counter == null ? 0 : counter.count();
    }

    private String product(int stock) {
        String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
        given().contentType(ContentType.JSON).auth().oauth2(Tokens.admin("ops"))
                .body("{\"sku\":\"%s\",\"name\":\"n\",\"price\":{\"amount\":100,\"currency\":\"EUR\"},\"initialStock\":%d}".formatted(sku, stock))
                .post("/products").then().statusCode(201);
        return sku;
    }

    private UUID placeOrder(Map<String, Integer> lines) {
        UUID order = UUID.randomUUID();
        placeOrder(order, lines);
        return order;
    }

    private void placeOrder(UUID order, Map<String, Integer> lines) {
        List<OrderLine> orderLines = lines.entrySet().stream()
                .map(line -> new OrderLine(line.getKey(), line.getValue(), Money.of(100, "EUR"))).toList();
        append(new OrderPlaced(order, "shopper", orderLines, orderLines.stream().map(OrderLine::lineTotal).reduce(Money::plus).orElseThrow()));
    }

    private void append(OrderEvent event) {
        store.inTransaction(tx -> store.append(tx, event.streamId(), ExpectedVersion.ANY,
                List.of(EventCodec.encode(event, new EventMetadata(null, null, "order-service", null, "test"), Instant.now()))))
                .await().atMost(Duration.ofSeconds(10));
    }

    private List<DomainEvent> reservation(UUID order) {
        return store.readStream(ReservationEvent.stream(order), 1).map(StoredEvent::event).map(EventCodec::decode)
                .collect().asList().await().atMost(Duration.ofSeconds(10));
    }

    private List<DomainEvent> awaitReservation(UUID order, int events) {
        List<DomainEvent> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            found.clear();
            found.addAll(reservation(order));
            return found.size() >= events;
        });
        return found;
    }

    private void assertStock(String sku, int onHand, int reserved) {
        given().auth().oauth2(Tokens.admin("ops")).get("/products/" + sku).then().statusCode(200)
                .body("onHand", org.hamcrest.Matchers.equalTo(onHand))
                .body("reserved", org.hamcrest.Matchers.equalTo(reserved))
                .body("available", org.hamcrest.Matchers.equalTo(onHand - reserved));
    }
}
