package io.eventshop.order.orders;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.eventshop.events.DomainEvent;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.Money;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.product.ProductAdded;
import io.eventshop.events.reservation.ReservedLine;
import io.eventshop.events.reservation.StockReserved;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.subscriber.runtime.SubscriberRuntime;
import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.OwnerStore;
import io.eventshop.testing.StoreFixture;
import io.eventshop.testing.Tokens;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The saga's deadline, with a short one: an order no reservation reaches is rejected with RESERVATION_TIMEOUT
 * once its deadline passes, not before; a reservation that arrives after that changes nothing on the order's
 * side (inventory releases it: ReservationTest); one that came but the saga has not applied yet is applied.
 */
@QuarkusTest
@TestProfile(ReservationDeadlineTest.ShortDeadline.class)
@WithTestResource(LocalDatabaseResource.class)
class ReservationDeadlineTest {

    public static final class ShortDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("eventshop.orders.reservation-deadline", "3s", "eventshop.orders.deadline-check-interval", "200ms");
        }
    }

    // Plays inventory-service: the service's own role may append only order events.
    final EventStore store = OwnerStore.on(StoreFixture.DATABASE);
    final String shopper = "shopper-" + UUID.randomUUID();

    @Test
    void an_order_never_reserved_is_rejected_at_its_deadline_and_a_late_reservation_does_not_revive_it() {
        String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
        append(new ProductAdded(sku, "Cup", Money.of(300, "EUR"), 10));
        await().atMost(Duration.ofSeconds(20)).until(() -> as().get("/products").jsonPath().getList("sku", String.class).contains(sku));

        String late = place(sku);
        Instant placed = Instant.now();
        // Not before its deadline ...
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> as().get("/orders/" + late).then().body("status", equalTo("PENDING")));
        // ... but soon after it.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> as().get("/orders/" + late).then()
                .body("status", equalTo("REJECTED"))
                .body("rejections[0].reason", equalTo("RESERVATION_TIMEOUT"))
                .body("rejections[0].sku", equalTo(sku))
                .body("rejections[0].requested", equalTo(2)));
        org.assertj.core.api.Assertions.assertThat(Duration.between(placed, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(3));

        // The reservation comes after all, and so does one for an order still within its deadline.
        append(new StockReserved(UUID.fromString(late), List.of(new ReservedLine(sku, 2))));
        String prompt = place(sku);
        append(new StockReserved(UUID.fromString(prompt), List.of(new ReservedLine(sku, 2))));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> as().get("/orders/" + prompt).then().body("status", equalTo("CONFIRMED")));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).untilAsserted(() -> as().get("/orders/" + late).then()
                .body("status", equalTo("REJECTED"))
                .body("history.type", equalTo(List.of("io.eventshop.order.placed", "io.eventshop.order.rejected"))));

        // Inventory decided, but the saga is behind (stopped here): at the deadline that decision is applied,
        // not overruled by a timeout.
        Arc.container().instance(SubscriberRuntime.class).get().stop(OrderSaga.NAME);
        String slow = place(sku);
        append(new StockReserved(UUID.fromString(slow), List.of(new ReservedLine(sku, 2))));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> as().get("/orders/" + slow).then().body("status", equalTo("CONFIRMED")));
    }

    private String place(String sku) {
        return as().header("Idempotency-Key", UUID.randomUUID().toString())
                .body("{\"lines\":[{\"sku\":\"%s\",\"quantity\":2}]}".formatted(sku)).post("/orders")
                .then().statusCode(202).extract().jsonPath().getString("id");
    }

    private RequestSpecification as() {
        return given().contentType(ContentType.JSON).auth().oauth2(Tokens.shopper(shopper));
    }

    private void append(DomainEvent event) {
        store.inTransaction(tx -> store.append(tx, event.streamId(), ExpectedVersion.ANY,
                List.of(EventCodec.encode(event, new EventMetadata(null, null, "inventory-service", null, "test"), Instant.now()))))
                .await().atMost(Duration.ofSeconds(10));
    }
}
