package io.eventshop.inventory;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.eventshop.testing.PackagedService;
import io.eventshop.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The packaged inventory-service (runner jar here; the native binary where a GraalVM builds one) starts, is ready on
 * its management port, and an admin adds a product and reads it back (JSON both ways, the store, the product view).
 */
@QuarkusIntegrationTest
@WithTestResource(PackagedService.class)
class InventoryServiceIT {

    @Test
    void it_is_ready_on_the_management_port() {
        given().get(PackagedService.management("health/ready")).then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void an_admin_adds_a_product_and_reads_it_back() {
        String sku = "SKU-IT-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        String product = "{\"sku\":\"%s\",\"name\":\"Théière\",\"price\":{\"amount\":2599,\"currency\":\"EUR\"},\"initialStock\":7}"
                .formatted(sku);
        given().auth().oauth2(Tokens.admin("it-admin")).contentType(ContentType.JSON).body(product).post("/products")
                .then().statusCode(201).body("sku", equalTo(sku));
        given().auth().oauth2(Tokens.admin("it-admin")).get("/products/" + sku)
                .then().statusCode(200).body("name", equalTo("Théière")).body("price.amount", equalTo(2599))
                .body("available", equalTo(7));
    }

    @Test
    void a_product_with_a_negative_stock_is_a_problem_document() {
        String product = "{\"sku\":\"SKU-IT-BAD\",\"name\":\"x\",\"price\":{\"amount\":1,\"currency\":\"EUR\"},\"initialStock\":-1}";
        given().auth().oauth2(Tokens.admin("it-admin")).contentType(ContentType.JSON).body(product).post("/products")
                .then().statusCode(400).contentType("application/problem+json");
    }
}
