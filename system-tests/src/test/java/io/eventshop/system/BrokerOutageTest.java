package io.eventshop.system;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.startsWith;

import io.eventshop.testing.OwnRabbitMq;
import io.eventshop.testing.Tokens;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The broker is only the doorbell, so its absence must not reach shoppers: with the whole broker stopped,
 * every service stays ready, takes orders, and the saga confirms them from the store (catch-up); when the
 * broker is back, consumers and relays take up the live path again. Runs the three services against a
 * RabbitMQ node of its own, which it stops; the machine's broker is never touched.
 */
class BrokerOutageTest {

    private static final String DATABASE = "eventshop_outage";
    private static final int BROKER_PORT = 5698;

    @Test
    void while_the_broker_is_down_every_service_stays_ready_and_orders_are_taken_and_confirmed() throws Exception {
        try (OwnRabbitMq broker = startBroker();
                RunningShop shop = RunningShop.start(DATABASE, true, RunningShop.SERVICES, "256m",
                        Map.of("RABBITMQ_PORT", Integer.toString(BROKER_PORT), "RABBITMQ_VIRTUAL_HOST", "/"))) {
            String sku = "CUP-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
            admin().body("{\"sku\":\"%s\",\"name\":\"Cup\",\"price\":{\"amount\":700,\"currency\":\"EUR\"},\"initialStock\":10}"
                    .formatted(sku)).post(shop.url("inventory-service") + "/products").then().statusCode(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> shopper().get(shop.url("order-service") + "/products")
                    .jsonPath().getList("sku", String.class).contains(sku));

            broker.stopBroker();
            for (String service : RunningShop.SERVICES) {
                // The outage is seen where operators look: the broker check is down, the gauge is 0 ...
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get(shop.management(service) + "/q/health/well")
                        .then().body("checks.find { it.name == 'RabbitMQ connection' }.status", equalTo("DOWN")));
                given().get(shop.management(service) + "/q/metrics").then().body(containsString("eventshop_broker_connected 0.0"));
                // ... and not where Kubernetes routes traffic by.
                given().get(shop.management(service) + "/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
            }
            String during = place(shop, sku);
            awaitStatus(shop, during, "CONFIRMED"); // no message carried it: the subscribers read the store
            // The relay could not announce it: it fails its rounds, and says so beside readiness.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get(shop.management("order-service") + "/q/health/well")
                    .then().body("checks.find { it.name == 'Event relay' }.status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'RabbitMQ connection' }.status", equalTo("DOWN")));

            broker.startBroker();
            for (String service : RunningShop.SERVICES) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get(shop.management(service) + "/q/health/well")
                        .then().statusCode(200).body("checks.status", everyItem(equalTo("UP"))));
            }
            String after = place(shop, sku);
            awaitStatus(shop, after, "CONFIRMED");
            // Every relay publishes again (its check is UP only after a round succeeded) and every subscriber is live.
            for (String service : RunningShop.SERVICES) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get(shop.management(service) + "/q/health/well")
                        .then().body("checks.find { it.name == 'Event subscribers' }.data.values()", everyItem(startsWith("LIVE"))));
            }
        }
    }

    private static OwnRabbitMq startBroker() throws Exception {
        OwnRabbitMq broker = OwnRabbitMq.start("eventshop-outage", BROKER_PORT);
        broker.addServiceUsers();
        return broker;
    }

    private static String place(RunningShop shop, String sku) {
        return shopper().header("Idempotency-Key", UUID.randomUUID().toString())
                .body("{\"lines\":[{\"sku\":\"%s\",\"quantity\":1}]}".formatted(sku))
                .post(shop.url("order-service") + "/orders").then().statusCode(202).extract().jsonPath().getString("id");
    }

    private static void awaitStatus(RunningShop shop, String order, String status) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> shopper().get(shop.url("order-service") + "/orders/" + order)
                .then().statusCode(200).body("status", equalTo(status)));
    }

    private static RequestSpecification shopper() {
        return given().contentType(ContentType.JSON).auth().oauth2(Tokens.shopper("olga"));
    }

    private static RequestSpecification admin() {
        return given().contentType(ContentType.JSON).auth().oauth2(Tokens.admin("ops"));
    }
}
