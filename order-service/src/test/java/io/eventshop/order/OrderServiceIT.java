package io.eventshop.order;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.eventshop.testing.PackagedService;
import io.eventshop.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * The packaged order-service (runner jar here; the native binary where a GraalVM builds one) starts, is ready on its
 * management port, serves the catalogue to a shopper and answers bad input with a problem document.
 */
@QuarkusIntegrationTest
@WithTestResource(PackagedService.class)
class OrderServiceIT {

    @Test
    void it_is_ready_on_the_management_port() {
        given().get(PackagedService.management("health/ready")).then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void a_shopper_reads_the_catalogue() {
        given().auth().oauth2(Tokens.shopper("it-shopper")).get("/products")
                .then().statusCode(200).contentType(ContentType.JSON).body("$", notNullValue());
    }

    @Test
    void an_order_that_is_not_json_is_a_problem_document() {
        // Jackson's error path (and the problem mapper) is what a native image most easily gets wrong.
        given().auth().oauth2(Tokens.shopper("it-shopper")).contentType(ContentType.JSON).body("{\"lines\": [")
                .post("/orders")
                .then().statusCode(400).contentType("application/problem+json").body("status", equalTo(400));
    }

    @Test
    void no_token_is_a_problem_document() {
        given().get("/products").then().statusCode(401).contentType("application/problem+json");
    }
}
