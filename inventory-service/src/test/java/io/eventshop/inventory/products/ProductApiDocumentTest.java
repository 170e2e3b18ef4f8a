package io.eventshop.inventory.products;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;

import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The OpenAPI document (for admins outside dev) describes the product endpoints, their errors as problem documents, and the bearer scheme. */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class ProductApiDocumentTest {

    @Test
    void the_openapi_document_covers_endpoints_errors_and_security() {
        given().auth().oauth2(Tokens.admin("operator")).queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("components.securitySchemes.bearer.scheme", equalTo("bearer"))
                .body("components.schemas.Problem.properties.errors.type", equalTo("array"))
                .body("paths.'/products'.post.responses.keySet()", hasItems("201", "400", "401", "403", "409", "500"))
                .body("paths.'/products'.post.responses.'400'.content.'application/problem+json'", notNullValue())
                .body("paths.'/products/{sku}'.get.responses.keySet()", hasItems("200", "401", "403", "404"))
                .body("paths.'/products/{sku}/restock'.post.responses.keySet()", hasItems("200", "400", "404", "409", "422"))
                .body("paths.'/admin/dead-letters/{id}/redrive'.post.responses.keySet()", hasItems("401", "403", "404"))
                .body("paths.'/products'.post.responses.'409'.content.'application/problem+json'.schema.$ref",
                        equalTo("#/components/schemas/Problem"))
                .body("paths.'/products'.post.security[0].bearer", notNullValue());
    }
}
