package io.eventshop.order.contracts;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * What order-service publishes about itself outside dev (the test profile is not dev): Swagger UI, whose API
 * description only an admin may read, and its event contracts, which anyone may read. The same in the packaged
 * services: system-tests' ContractsTest.
 */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class PublishedContractsTest {

    @Test
    void swagger_ui_is_served_outside_dev_and_asks_for_an_admin_token() {
        given().get("/q/swagger-ui/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("eventshop.admin-token"), containsString("request.loadSpec"));
    }

    @Test
    void the_api_description_needs_the_admin_role() {
        given().get("/q/openapi").then().statusCode(401);
        given().auth().oauth2(Tokens.shopper("alice")).get("/q/openapi").then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(Tokens.admin("operator")).queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("eventshop order-service"));
    }

    @Test
    void the_schema_an_event_names_as_its_dataschema_is_served_without_a_token() {
        given().get("/events/schemas/io.eventshop.order.placed/1").then().statusCode(200)
                .contentType(containsString("application/schema+json"))
                .body("$id", equalTo("https://eventshop.io/events/schemas/io.eventshop.order.placed/1"))
                .body("required", hasItems("orderId", "shopperId", "lines", "total"));
    }

    @Test
    void an_unknown_type_or_a_version_not_written_is_a_404_problem() {
        given().get("/events/schemas/io.eventshop.order.cancelled/1").then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString("written at schema version 2"));
        given().get("/events/schemas/io.eventshop.order.shipped/1").then().statusCode(404).contentType("application/problem+json");
        given().get("/events/schemas/io.eventshop.order.placed/one").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void the_asyncapi_document_shows_what_order_service_sends_and_receives() {
        given().get("/asyncapi").then().statusCode(200)
                .body("asyncapi", equalTo("3.0.0"))
                .body("channels.order.address", equalTo("eventshop.order"))
                .body("operations.'publish.order'.action", equalTo("send"))
                .body("operations.'order.saga.reservation'.action", equalTo("receive"));
    }
}
