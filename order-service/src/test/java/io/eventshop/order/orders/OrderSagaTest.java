package io.eventshop.order.orders;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.rabbitmq.client.Channel;
import io.eventshop.broker.BrokerConnection;
import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.Money;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.product.ProductAdded;
import io.eventshop.events.reservation.LineRejection;
import io.eventshop.events.reservation.ReservationEvent;
import io.eventshop.events.reservation.ReservedLine;
import io.eventshop.events.reservation.StockReservationRejected;
import io.eventshop.events.reservation.StockReserved;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.OwnerStore;
import io.eventshop.testing.StoreFixture;
import io.eventshop.testing.Tokens;
import io.eventshop.wire.CloudEventCodec;
import io.eventshop.wire.Exchanges;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The order's side of the saga: reservation outcomes (appended here as inventory would) confirm or
 * reject pending orders, and shoppers cancel what is not yet decided against them.
 */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class OrderSagaTest {

    // On the management port: http://<host>:<port>/q/metrics.
    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    static String sku;

    // Plays the other services' writers: the service's own role may append only its own categories.
    final EventStore store = OwnerStore.on(StoreFixture.DATABASE);
    @Inject
    MeterRegistry registry;

    String shopper;

    @BeforeEach
    void catalog() {
        shopper = "shopper-" + UUID.randomUUID();
        if (sku == null) {
            sku = "SKU-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
            append(new ProductAdded(sku, "Bowl", Money.of(500, "EUR"), 10));
            await().atMost(Duration.ofSeconds(20)).until(() -> as("ops").get("/products").jsonPath().getList("sku", String.class).contains(sku));
        }
    }

    @Test
    void a_reserved_order_is_confirmed_and_can_then_be_cancelled_once() {
        String id = place();
        append(new StockReserved(UUID.fromString(id), List.of(new ReservedLine(sku, 2))));

        awaitStatus(id, "CONFIRMED");
        as(shopper).get("/orders/" + id).then().body("history.type",
                equalTo(List.of("io.eventshop.order.placed", "io.eventshop.order.confirmed")));
        as(shopper).post("/orders/" + id + "/cancel").then().statusCode(202).body("status", equalTo("CANCELLED"));
        as(shopper).post("/orders/" + id + "/cancel").then().statusCode(409).contentType("application/problem+json");
        as(shopper).get("/orders").then().body("find { it.id == '%s' }.status".formatted(id), equalTo("CANCELLED"));
        given().get(metrics.toString()).then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("eventshop_orders_total{outcome=\"confirmed\"}"))
                .body(org.hamcrest.Matchers.containsString("eventshop_orders_total{outcome=\"cancelled\"}"))
                .body(org.hamcrest.Matchers.containsString("eventshop_orders_saga_duration_seconds_count"));
    }

    @Test
    void a_rejected_reservation_rejects_the_order_with_its_reasons_and_it_cannot_be_cancelled() {
        String id = place();
        append(new StockReservationRejected(UUID.fromString(id),
                List.of(new LineRejection(sku, LineRejection.Reason.INSUFFICIENT_STOCK, 2, 1))));

        awaitStatus(id, "REJECTED");
        as(shopper).get("/orders/" + id).then()
                .body("rejections[0].sku", equalTo(sku))
                .body("rejections[0].reason", equalTo("INSUFFICIENT_STOCK"))
                .body("rejections[0].requested", equalTo(2))
                .body("rejections[0].available", equalTo(1));
        as(shopper).post("/orders/" + id + "/cancel").then().statusCode(409);
    }

    @Test
    void an_order_cancelled_before_its_reservation_arrives_stays_cancelled() {
        String id = place();
        as(shopper).post("/orders/" + id + "/cancel").then().statusCode(202);
        given().auth().oauth2(Tokens.shopper("someone-else")).post("/orders/" + id + "/cancel").then().statusCode(404);
        append(new StockReserved(UUID.fromString(id), List.of(new ReservedLine(sku, 2))));

        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).untilAsserted(() ->
                as(shopper).get("/orders/" + id).then().body("status", equalTo("CANCELLED")));
    }

    @Test
    void a_forged_stock_reserved_never_confirms_an_order_and_the_stores_outcome_decides_it() throws Exception {
        String id = place();
        UUID order = UUID.fromString(id);
        double ignoredBefore = unmatched();
        // What anyone with a broker account can publish: a well-formed StockReserved the store never held.
        var forged = EventCodec.encode(new StockReserved(order, List.of(new ReservedLine(sku, 2))),
                new EventMetadata(null, null, "inventory-service", null, null), Instant.now());
        byte[] body = CloudEventCodec.encode(new RecordedEvent(forged.eventId(), ReservationEvent.stream(order), 1, forged.type(),
                forged.schemaVersion(), forged.data(), forged.metadata(), forged.occurredAt()));
        try (Channel channel = Arc.container().instance(BrokerConnection.class).get().get().createChannel()) {
            channel.basicPublish(Exchanges.forCategory(ReservationEvent.CATEGORY), "", null, body);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> unmatched() > ignoredBefore);
        as(shopper).get("/orders/" + id).then().body("status", equalTo("PENDING"));

        append(new StockReservationRejected(order, List.of(new LineRejection(sku, LineRejection.Reason.INSUFFICIENT_STOCK, 2, 0))));
        awaitStatus(id, "REJECTED");
    }

    private double unmatched() {
        var counter = registry.find("eventshop.subscriber.doorbells.unmatched").tag("subscriber", OrderSaga.NAME).counter();
        return counter == null ? 0 : counter.count();
    }

    private String place() {
        return as(shopper).header("Idempotency-Key", UUID.randomUUID().toString())
                .body("{\"lines\":[{\"sku\":\"%s\",\"quantity\":2}]}".formatted(sku)).post("/orders")
                .then().statusCode(202).extract().jsonPath().getString("id");
    }

    private void awaitStatus(String id, String status) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> as(shopper).get("/orders/" + id).then().body("status", equalTo(status)));
    }

    private static RequestSpecification as(String subject) {
        return given().contentType(ContentType.JSON).auth().oauth2(Tokens.shopper(subject));
    }

    private void append(DomainEvent event) {
        store.inTransaction(tx -> store.append(tx, event.streamId(), ExpectedVersion.ANY,
                List.of(EventCodec.encode(event, new EventMetadata(null, null, "inventory-service", null, "test"), Instant.now()))))
                .await().atMost(Duration.ofSeconds(10));
    }
}
