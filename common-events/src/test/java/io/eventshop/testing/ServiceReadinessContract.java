package io.eventshop.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * What every eventshop service promises at start-up: it boots against the machine's real Postgres
 * and RabbitMQ, and reports on its management port (never the public one) the database in readiness, the
 * broker, the relays and the subscribers beside it. A
 * service's test extends this with {@code @QuarkusTest} and {@code @WithTestResource(LocalDatabaseResource.class)}.
 */
public abstract class ServiceReadinessContract {

    // On the management port: http://<host>:<port>/q/health and /q/metrics.
    @TestHTTPResource(value = "health", management = true)
    URL health;
    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Test
    void readiness_is_what_rest_needs_the_database_and_not_the_broker() {
        given().when().get(health + "/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("Reactive PostgreSQL connections health check"))
                .body("checks.name", not(hasItems("RabbitMQ connection")))
                .body("checks.name", not(hasItems("Event relay")));
        // The broker and the relays stay visible, beside readiness.
        given().when().get(health + "/well")
                .then().statusCode(200)
                .body("checks.name", hasItems("RabbitMQ connection", "Event relay", "Event subscribers"));
    }

    @Test
    void metrics_export_the_store_horizon_age_and_the_broker_state() {
        given().when().get(metrics.toString())
                .then().statusCode(200)
                .body(containsString("eventshop_store_horizon_age_seconds"))
                .body(containsString("eventshop_broker_connected 1.0"));
    }

    @Test
    void health_and_metrics_are_not_served_on_the_public_port() {
        // Their details name the broker's address and the last errors: for operators, not for shoppers.
        given().when().get("/q/health").then().statusCode(404);
        given().when().get("/q/health/ready").then().statusCode(404);
        given().when().get("/q/metrics").then().statusCode(404);
    }
}
