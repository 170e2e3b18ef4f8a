package io.eventshop.order.catalog;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.eventshop.events.EventCodec;
import io.eventshop.events.EventMetadata;
import io.eventshop.events.Money;
import io.eventshop.events.product.ProductAdded;
import io.eventshop.events.product.ProductEvent;
import io.eventshop.events.product.ProductPriceChanged;
import io.eventshop.events.product.StockReplenished;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The order.catalog view follows product events into {@code GET /products}. Nothing relays the
 * product category in this process, so the view gets them the way it gets anything a broker lost:
 * from the store, by catch-up.
 */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class CatalogTest {

    @Inject
    EventStore store;

    @Test
    void a_product_and_its_new_price_reach_the_catalog_and_stock_changes_are_ignored() {
        String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
        append(new ProductAdded(sku, "Espresso cup", Money.of(899, "EUR"), 10));
        append(new StockReplenished(sku, 5));
        append(new ProductPriceChanged(sku, Money.of(999, "EUR")));

        String path = "find { it.sku == '%s' }".formatted(sku);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(Tokens.shopper("alice"))
                .get("/products").then().statusCode(200)
                .body(path + ".name", equalTo("Espresso cup"))
                .body(path + ".price.amount", equalTo(999))
                .body(path + ".price.currency", equalTo("EUR")));
    }

    @Test
    void the_catalog_needs_a_token() {
        given().get("/products").then().statusCode(401).contentType("application/problem+json");
        given().auth().oauth2(Tokens.admin("ops")).get("/products").then().statusCode(200);
    }

    private void append(ProductEvent event) {
        store.inTransaction(tx -> store.append(tx, event.streamId(), ExpectedVersion.ANY,
                List.of(EventCodec.encode(event, new EventMetadata(null, null, "inventory-service", null, "test"), Instant.now()))))
                .await().atMost(Duration.ofSeconds(10));
    }
}
