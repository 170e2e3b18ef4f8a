package io.eventshop.analytics;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.eventshop.testing.PackagedService;
import io.eventshop.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The packaged analytics-service (runner jar here; the native binary where a GraalVM builds one) starts on a fresh
 * store, is ready on its management port, fills a view and answers it, and answers a bad {@code asOf} with a problem
 * document.
 */
@QuarkusIntegrationTest
@WithTestResource(PackagedService.class)
@WithTestResource(FreshAnalyticsDatabase.class)
class AnalyticsServiceIT {

    @Test
    void it_is_ready_on_the_management_port() {
        given().get(PackagedService.management("health/ready")).then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void an_admin_reads_the_sales_view() {
        // 503 while the view fills itself from the store for the first time.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> given().auth().oauth2(Tokens.admin("it-admin")).get("/analytics/sales").statusCode() == 200);
        given().auth().oauth2(Tokens.admin("it-admin")).get("/analytics/sales")
                .then().statusCode(200).body("products", notNullValue());
    }

    @Test
    void a_bad_as_of_is_a_problem_document() {
        given().auth().oauth2(Tokens.admin("it-admin")).get("/analytics/sales?asOf=yesterday")
                .then().statusCode(400).contentType(startsWith("application/problem+json"));
    }
}
