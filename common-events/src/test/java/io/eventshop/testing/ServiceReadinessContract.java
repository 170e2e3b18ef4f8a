package io.eventshop.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import org.junit.jupiter.api.Test;

/**
 * What every eventshop service promises at start-up: it boots against the machine's real Postgres
 * and RabbitMQ, migrates the store, and reports the database, the store's migration datasource and
 * the broker in readiness. A service's test extends this with {@code @QuarkusTest} and
 * {@code @WithTestResource(LocalDatabaseResource.class)}.
 */
public abstract class ServiceReadinessContract {

    @Test
    void readiness_reports_the_database_and_the_broker_as_up() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("Reactive PostgreSQL connections health check", "RabbitMQ connection", "Event relay"));
    }

    @Test
    void the_event_store_is_migrated_at_start_up() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body(containsString("eventstore"));
    }

    @Test
    void metrics_export_the_store_horizon_age() {
        given().when().get("/q/metrics")
                .then().statusCode(200)
                .body(containsString("eventshop_store_horizon_age_seconds"));
    }
}
