package io.eventshop.order.admin;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.eventshop.broker.BrokerConnection;
import io.eventshop.subscriber.runtime.SubscriberRuntime;
import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.Tokens;
import io.eventshop.wire.Exchanges;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The subscriber admin API over HTTP, in a running service: status, dead letters, redrive, and the
 * problem documents for what cannot be done.
 */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class SubscriberAdminApiTest {

    // On the management port: http://<host>:<port>/q/health and /q/metrics.
    @TestHTTPResource(value = "health", management = true)
    URL health;
    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @AfterAll
    static void removeTheTestQueues() throws Exception {
        Arc.container().instance(SubscriberRuntime.class).get().stop(AdminTestSubscription.NAME);
        try (Channel channel = serviceBroker().createChannel()) {
            channel.queueDelete(AdminTestSubscription.NAME + "." + AdminTestSubscription.CATEGORY);
            channel.queueDelete(AdminTestSubscription.NAME + ".dead-letters");
            channel.exchangeDelete(AdminTestSubscription.NAME + ".dead-letters");
            channel.exchangeDelete(Exchanges.forCategory(AdminTestSubscription.CATEGORY));
        }
    }

    @Test
    void subscribers_dead_letters_and_redrive_over_http() throws Exception {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> admin().get("/admin/subscribers").then().statusCode(200)
                .body("find { it.name == '%s' }.state".formatted(AdminTestSubscription.NAME), equalTo("LIVE"))
                .body("find { it.name == '%s' }.kind".formatted(AdminTestSubscription.NAME), equalTo("VIEW"))
                .body("find { it.name == '%s' }.categories[0].checkpoint".formatted(AdminTestSubscription.NAME), startsWith("position:"))
                .body("find { it.name == '%s' }.categories[0].queue".formatted(AdminTestSubscription.NAME),
                        equalTo(AdminTestSubscription.NAME + "." + AdminTestSubscription.CATEGORY)));

        try (Channel channel = serviceBroker().createChannel()) {
            channel.basicPublish(Exchanges.forCategory(AdminTestSubscription.CATEGORY), "", null,
                    "not an event".getBytes(StandardCharsets.UTF_8));
        }
        String list = "/admin/dead-letters?subscriber=" + AdminTestSubscription.NAME;
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> admin().get(list).then().statusCode(200)
                .body("size()", equalTo(1)));
        long id = admin().get(list).then().extract().jsonPath().getLong("[0].id");

        admin().get("/admin/dead-letters/" + id).then().statusCode(200)
                .body("reason", startsWith("undecodable"))
                .body("body", equalTo("not an event"))
                .body("status", equalTo("OPEN"));
        admin().post("/admin/dead-letters/" + id + "/redrive").then().statusCode(200)
                .body("deadLetter.status", equalTo("REDRIVEN"))
                .body("deadLetter.resolvedAt", notNullValue());
        admin().post("/admin/dead-letters/" + id + "/redrive").then().statusCode(409)
                .contentType("application/problem+json")
                .body("status", equalTo(409))
                .body("detail", equalTo("dead letter " + id + " is already redriven"));
        admin().get(list).then().statusCode(200).body("size()", equalTo(0));
        admin().get(list + "&status=REDRIVEN").then().statusCode(200).body("id", hasItem((int) id));

        // In bulk: every open dead letter of the subscriber whose reason says so.
        try (Channel channel = serviceBroker().createChannel()) {
            for (String garbage : List.of("{not json", "[]")) {
                channel.basicPublish(Exchanges.forCategory(AdminTestSubscription.CATEGORY), "", null, garbage.getBytes(StandardCharsets.UTF_8));
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> admin().get(list).then().body("size()", equalTo(2)));
        admin().contentType(ContentType.JSON).body("{\"subscriber\":\"%s\",\"reasonContains\":\"undecodable\"}"
                        .formatted(AdminTestSubscription.NAME))
                .post("/admin/dead-letters/skip").then().statusCode(200)
                .body("resolved.size()", equalTo(2)).body("resolved.deadLetter.status", hasItems("SKIPPED", "SKIPPED"))
                .body("refused.size()", equalTo(0)).body("remaining", equalTo(0));
        admin().get(list).then().body("size()", equalTo(0));
    }

    @Test
    void one_subscriber_and_its_reposition_over_http() {
        String one = "/admin/subscribers/" + AdminTestSubscription.NAME;
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> admin().get(one).then().statusCode(200)
                .body("name", equalTo(AdminTestSubscription.NAME)).body("runningAs", equalTo(AdminTestSubscription.NAME))
                .body("state", equalTo("LIVE")).body("rebuild", org.hamcrest.Matchers.nullValue()));
        admin().contentType(ContentType.JSON).body("{\"from\":\"beginning\"}").post(one + "/reposition").then().statusCode(200)
                .body("subscriber", equalTo(AdminTestSubscription.NAME))
                .body("categories[0].category", equalTo(AdminTestSubscription.CATEGORY))
                .body("categories[0].to", equalTo("position:0:0"));
        admin().contentType(ContentType.JSON).body("{\"from\":\"last tuesday\"}").post(one + "/reposition").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem("from"));
        admin().post(one + "/rebuild").then().statusCode(409).contentType("application/problem+json")
                .body("detail", startsWith(AdminTestSubscription.NAME + " is a view, not a view kept in generations"));
        admin().post("/admin/subscribers/order.saga/rebuild").then().statusCode(409)
                .body("detail", startsWith("order.saga is a reactor"));
        admin().get("/admin/subscribers/nobody.here").then().statusCode(404).contentType("application/problem+json");
        admin().get("/admin/subscribers").then().statusCode(200)
                .body("find { it.name == 'order.catalog' }.kind", equalTo("VIEW"))
                .body("find { it.name == 'order.catalog' }.runningAs", startsWith("order.catalog.g"))
                .body("find { it.name == 'order.saga' }.kind", equalTo("REACTOR"));
    }

    @Test
    void subscriber_metrics_and_health_details_are_exported() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().get(metrics.toString()).then().statusCode(200)
                .body(org.hamcrest.Matchers.allOf(
                        org.hamcrest.Matchers.containsString("eventshop_subscriber_applied_total{path=\"live\",subscriber=\""
                                + AdminTestSubscription.NAME + "\"}"),
                        org.hamcrest.Matchers.containsString("eventshop_subscriber_dead_letters_total"),
                        org.hamcrest.Matchers.containsString("eventshop_subscriber_lag_seconds"),
                        org.hamcrest.Matchers.containsString("eventshop_subscriber_latency_seconds"))));
        given().get(health + "/well").then().statusCode(200)
                .body("checks.find { it.name == 'Event subscribers' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'Event subscribers' }.data.'" + AdminTestSubscription.NAME + "'", notNullValue());
    }

    @Test
    void the_admin_api_needs_an_admin_token() {
        given().get("/admin/subscribers").then().statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .contentType("application/problem+json")
                .body("type", equalTo("https://eventshop.io/problems/unauthorized"));
        given().auth().oauth2(Tokens.forged("mallory")).get("/admin/subscribers").then().statusCode(401)
                .contentType("application/problem+json");
        given().auth().oauth2(Tokens.shopper("alice")).post("/admin/dead-letters/1/redrive").then().statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://eventshop.io/problems/forbidden"));
    }

    @Test
    void the_relays_are_listed_for_admins_only() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> admin().get("/admin/relays").then().statusCode(200)
                .body("category", hasItem("order"))
                .body("find { it.category == 'order' }.state", equalTo("LEADING"))
                .body("find { it.category == 'order' }.lagEvents", equalTo(0)));
        given().auth().oauth2(Tokens.shopper("alice")).get("/admin/relays").then().statusCode(403).contentType("application/problem+json");
        given().get("/admin/relays").then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    void the_console_page_is_served_without_a_token_and_its_data_needs_one() {
        // The page holds no data: each of its calls to the admin API carries the operator's token.
        given().get("/admin/console/").then().statusCode(200).contentType(startsWith("text/html"))
                .body(org.hamcrest.Matchers.containsString("<title>eventshop console</title>"));
        given().redirects().follow(false).get("/admin/console").then().statusCode(301).header("Location", equalTo("/admin/console/"));
        given().get("/admin/console/console.js").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("export async function api("));
        // Only analytics-service adds pages of its own.
        given().get("/admin/console/panels.json").then().statusCode(404);
    }

    // The service's own connection: the test profile's virtual host, whatever it is.
    private static Connection serviceBroker() throws Exception {
        return Arc.container().instance(BrokerConnection.class).get().get();
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return given().auth().oauth2(Tokens.admin("ops"));
    }

    @Test
    void what_cannot_be_done_is_answered_with_a_problem_document() {
        admin().get("/admin/dead-letters/987654321987").then().statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("https://eventshop.io/problems/not-found"))
                .body("instance", equalTo("/admin/dead-letters/987654321987"));
        admin().get("/admin/dead-letters?status=LOST&limit=0&subscriber=nobody.here").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItems("query.status", "query.limit", "query.subscriber"));
        admin().get("/admin/dead-letters/not-a-number").then().statusCode(404).contentType("application/problem+json");
        admin().contentType(ContentType.JSON).get("/admin/nothing-here").then().statusCode(404)
                .contentType("application/problem+json")
                .body("detail", equalTo("nothing is at /admin/nothing-here"));
    }
}
