package io.eventshop.system;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.Tokens;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shop across its three real processes, Postgres and RabbitMQ: an admin stocks a product, shoppers
 * order it, the saga confirms what fits and rejects what does not with its reason, and a cancellation
 * releases the stock, all by events, no service calling another.
 */
class ShopEndToEndTest {

    static RunningShop shop;

    @BeforeAll
    static void start() throws Exception {
        shop = RunningShop.start();
    }

    @AfterAll
    static void stop() {
        if (shop != null) {
            shop.close();
        }
    }

    @Test
    void orders_are_confirmed_while_stock_lasts_rejected_with_the_reason_after_and_a_cancellation_releases_stock() {
        String sku = "BOWL-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        admin(shop.url("inventory-service")).body("{\"sku\":\"%s\",\"name\":\"Bowl\",\"price\":{\"amount\":500,\"currency\":\"EUR\"},\"initialStock\":3}"
                .formatted(sku)).post("/products").then().statusCode(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> shopper("alice").get(shop.url("order-service") + "/products")
                .jsonPath().getList("sku", String.class).contains(sku));

        String first = place("alice", sku, 2);
        awaitStatus("alice", first, "CONFIRMED");
        String second = place("bob", sku, 2);
        awaitStatus("bob", second, "REJECTED");
        shopper("bob").get(shop.url("order-service") + "/orders/" + second).then()
                .body("rejections[0].reason", equalTo("INSUFFICIENT_STOCK"))
                .body("rejections[0].requested", equalTo(2))
                .body("rejections[0].available", equalTo(1))
                .body("total.amount", equalTo(1000));
        stock(sku, 2);

        shopper("alice").post(shop.url("order-service") + "/orders/" + first + "/cancel").then().statusCode(202);
        awaitStatus("alice", first, "CANCELLED");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> stock(sku, 0));
        shopper("alice").get(shop.url("order-service") + "/orders/" + first).then().body("history.type", equalTo(List.of(
                "io.eventshop.order.placed", "io.eventshop.order.confirmed", "io.eventshop.order.cancelled")));
    }

    @Test
    void the_readme_first_order_works_as_written_with_the_demo_script_and_by_hand(@TempDir Path keyDir) throws Exception {
        ReadmeExamples readme = examples(keyDir);
        List<String> blocks = readme.blocks("README.md");
        assertThat(blocks).as("README blocks: deploy/local/demo, the same by hand").hasSize(2);

        ReadmeExamples.Run demo = readme.run(blocks.get(0), shop, keyDir, true);
        assertThat(demo.exitCode()).as(demo.output()).isZero();
        assertThat(demo.output()).contains("\"status\":\"CONFIRMED\"").contains("\"lineTotal\":{\"amount\":2598");

        ReadmeExamples.Run byHand = readme.run(blocks.get(1), shop, keyDir, true);
        assertThat(byHand.exitCode()).as(byHand.output()).isZero();
        assertThat(byHand.output()).contains("\"sku\":\"MUG-1\"").contains("\"status\":\"CONFIRMED\"")
                .contains("\"lineTotal\":{\"amount\":2598");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> admin(shop.url("inventory-service")).get("/products/MUG-1")
                .then().body("onHand", equalTo(40)).body("reserved", equalTo(2)));
    }

    @Test
    void the_docs_curl_examples_work_as_written(@TempDir Path keyDir) throws Exception {
        ReadmeExamples docs = examples(keyDir);
        List<String> api = docs.blocks("docs/api.md");
        assertThat(api).as("docs/api.md blocks: tokens, products, catalog, orders, analytics").hasSize(5);

        assertThat(docs.run(api.get(0), shop, keyDir, true).output()).contains("\"order.saga\"");
        ReadmeExamples.Run products = docs.run(api.get(1), shop, keyDir, true);
        assertThat(products.exitCode()).as(products.output()).isZero();
        assertThat(products.output()).contains("\"onHand\":65");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(docs.run(api.get(2), shop, keyDir, true).output()).contains("\"sku\":\"SKU-1\"").contains("1499"));
        ReadmeExamples.Run orders = docs.run(api.get(3), shop, keyDir, true);
        assertThat(orders.exitCode()).as(orders.output()).isZero();
        assertThat(orders.output()).contains("\"lineTotal\":{\"amount\":2998").contains("\"status\":\"CANCELLED\"");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> admin(shop.url("inventory-service")).get("/products/SKU-1")
                .then().body("onHand", equalTo(65)).body("reserved", equalTo(0)));

        ReadmeExamples.Run analytics = docs.run(api.get(4), shop, keyDir, true);
        assertThat(analytics.exitCode()).as(analytics.output()).isZero();
        assertThat(analytics.output()).contains("\"products\":[").contains("\"placed\":").contains("\"byReason\":")
                .contains("\"buckets\":[").contains("\"eventsTotal\":");

        // The admin block names dead letter 42, which does not exist here: each of its three calls is a 404 problem.
        List<String> operations = docs.blocks("docs/operations.md");
        assertThat(operations).as("docs/operations.md blocks: the admin API").hasSize(1);
        ReadmeExamples.Run adminApi = docs.run(operations.get(0), shop, keyDir, false);
        assertThat(adminApi.exitCode()).as(adminApi.output()).isZero();
        assertThat(adminApi.output()).contains("\"order.saga\"");
        assertThat(adminApi.output().split("\"status\":404", -1)).hasSize(4);
    }

    /** The examples run from the repository root and sign their tokens with the test key, which the shop verifies with. */
    private static ReadmeExamples examples(Path keyDir) throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path key = keyDir.resolve("private.pem");
        if (!Files.exists(key)) {
            Files.copy(root.resolve("common-events/src/test/resources/jwt/test-private.pem"), key);
        }
        return new ReadmeExamples(root);
    }

    @Test
    void analytics_answers_the_same_after_its_tables_and_registry_are_dropped_and_it_restarts() throws Exception {
        String sku = "CUP-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        admin(shop.url("inventory-service")).body("{\"sku\":\"%s\",\"name\":\"Cup\",\"price\":{\"amount\":700,\"currency\":\"EUR\"},\"initialStock\":2}"
                .formatted(sku)).post("/products").then().statusCode(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> shopper("carol").get(shop.url("order-service") + "/products")
                .jsonPath().getList("sku", String.class).contains(sku));
        String kept = place("carol", sku, 1);
        String cancelled = place("carol", sku, 1);
        awaitStatus("carol", kept, "CONFIRMED");
        awaitStatus("carol", cancelled, "CONFIRMED");
        String rejected = place("dave", sku, 1);
        awaitStatus("dave", rejected, "REJECTED");
        shopper("carol").post(shop.url("order-service") + "/orders/" + cancelled + "/cancel").then().statusCode(202);
        awaitStatus("carol", cancelled, "CANCELLED");
        List<String> queries = List.of("/analytics/sales", "/analytics/funnel", "/analytics/rejections", "/analytics/revenue?bucket=hour");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> admin(shop.url("analytics-service")).get("/analytics/sales").then()
                .statusCode(200).body("products.find { it.sku == '%s' }.units".formatted(sku), equalTo(1)));
        List<String> before = new ArrayList<>();
        for (String query : queries) {
            before.add(admin(shop.url("analytics-service")).get(query).then().statusCode(200).extract().asString());
        }

        try (var db = DriverManager.getConnection(LocalPostgres.jdbcUrl(RunningShop.DATABASE),
                LocalPostgres.USER, LocalPostgres.PASSWORD);
             var sql = db.createStatement()) {
            List<String> schemas = new ArrayList<>();
            try (var rows = sql.executeQuery("select nspname from pg_namespace where nspname like 'analytics%'")) {
                while (rows.next()) {
                    schemas.add(rows.getString(1));
                }
            }
            assertThat(schemas).contains("analytics");
            for (String schema : schemas) {
                sql.execute("drop schema " + schema + " cascade");
            }
            // The registry of the views' copies too: every generation the restarted service finds is an orphan.
            sql.execute("delete from event_store.view_generations where view like 'analytics.%'");
        }
        shop.restart("analytics-service");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (int i = 0; i < queries.size(); i++) {
                assertThat(admin(shop.url("analytics-service")).get(queries.get(i)).then().statusCode(200).extract().asString())
                        .as(queries.get(i)).isEqualTo(before.get(i));
            }
        });
    }

    @Test
    void two_analytics_replicas_run_one_rebuild_and_both_switch_to_its_copy() throws Exception {
        String sku = "JUG-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        admin(shop.url("inventory-service")).body("{\"sku\":\"%s\",\"name\":\"Jug\",\"price\":{\"amount\":900,\"currency\":\"EUR\"},\"initialStock\":1000}"
                .formatted(sku)).post("/products").then().statusCode(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> shopper("erin").get(shop.url("order-service") + "/products")
                .jsonPath().getList("sku", String.class).contains(sku));
        String replica = shop.startReplica("analytics-service");
        try {
            String first = shop.url("analytics-service");
            String second = shop.url(replica);
            int live = admin(first).get("/admin/subscribers/analytics.funnel").then().statusCode(200).extract().jsonPath()
                    .getInt("rebuild.liveGeneration");
            AtomicBoolean flowing = new AtomicBoolean(true);
            Thread orders = Thread.ofVirtual().start(() -> {
                while (flowing.get()) {
                    place("erin", sku, 1);
                }
            });
            // A query holding the live copy open keeps the switch-over waiting (it locks the query relations):
            // the rebuild is surely still running when the other replica is asked for a second one.
            try (var reader = DriverManager.getConnection(LocalPostgres.jdbcUrl(RunningShop.DATABASE),
                    LocalPostgres.USER, LocalPostgres.PASSWORD)) {
                reader.setAutoCommit(false);
                try (var sql = reader.createStatement()) {
                    sql.executeQuery("select count(*) from analytics.funnel_orders").close();
                }
                admin(second).post("/admin/subscribers/analytics.funnel/rebuild").then().statusCode(202);
                admin(first).post("/admin/subscribers/analytics.funnel/rebuild").then().statusCode(409)
                        .body("detail", org.hamcrest.Matchers.startsWith("a rebuild of analytics.funnel is running already"));
                reader.commit();
            }
            for (String replicaUrl : List.of(first, second)) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> admin(replicaUrl).get("/admin/subscribers/analytics.funnel").then()
                        .body("rebuild.state", equalTo("SWITCHED")).body("rebuild.liveGeneration", org.hamcrest.Matchers.greaterThan(live)));
            }
            flowing.set(false);
            orders.join();
            // Both replicas answer from the same new copy, the old one's subscriber runs on neither.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                String answer = admin(first).get("/analytics/funnel").then().statusCode(200).extract().asString();
                assertThat(admin(second).get("/analytics/funnel").then().statusCode(200).extract().asString()).isEqualTo(answer);
                for (String management : List.of(shop.management("analytics-service"), shop.management(replica))) {
                    assertThat(given().get(management + "/q/health/well").jsonPath()
                            .getMap("checks.find { it.name == 'Event subscribers' }.data")).doesNotContainKey("analytics.funnel.g" + live);
                }
            });
        } finally {
            shop.stop(replica);
        }
    }

    /** Who asks: nobody, a forger, shopper A, shopper B, an admin. */
    enum Caller { NONE, FORGED, ALICE, BOB, ADMIN }

    record Case(String service, String method, String path, String body, Map<Caller, Integer> expected) {
    }

    @Test
    void every_endpoint_answers_each_kind_of_caller_as_the_contract_says() {
        String sku = "MATRIX-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        admin(shop.url("inventory-service")).body("{\"sku\":\"%s\",\"name\":\"M\",\"price\":{\"amount\":100,\"currency\":\"EUR\"},\"initialStock\":100}"
                .formatted(sku)).post("/products").then().statusCode(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> shopper("alice").get(shop.url("order-service") + "/products")
                .jsonPath().getList("sku", String.class).contains(sku));
        String alicesOrder = place("alice", sku, 1);
        String order = "{\"lines\":[{\"sku\":\"" + sku + "\",\"quantity\":1}]}";
        var adminOnlyRead = Map.of(Caller.NONE, 401, Caller.FORGED, 401, Caller.ALICE, 403, Caller.BOB, 403, Caller.ADMIN, 200);
        List<Case> cases = new ArrayList<>(List.of(
                new Case("inventory-service", "POST", "/products", null,
                        Map.of(Caller.NONE, 401, Caller.FORGED, 401, Caller.ALICE, 403, Caller.BOB, 403, Caller.ADMIN, 409)),
                new Case("inventory-service", "GET", "/products/" + sku, null, adminOnlyRead),
                new Case("inventory-service", "PUT", "/products/" + sku + "/price", "{\"price\":{\"amount\":100,\"currency\":\"EUR\"}}", adminOnlyRead),
                new Case("inventory-service", "POST", "/products/" + sku + "/restock", "{\"quantity\":1}", adminOnlyRead),
                new Case("order-service", "GET", "/products", null,
                        Map.of(Caller.NONE, 401, Caller.FORGED, 401, Caller.ALICE, 200, Caller.BOB, 200, Caller.ADMIN, 200)),
                new Case("order-service", "POST", "/orders", order,
                        Map.of(Caller.NONE, 401, Caller.FORGED, 401, Caller.ALICE, 202, Caller.BOB, 202, Caller.ADMIN, 202)),
                new Case("order-service", "GET", "/orders", null,
                        Map.of(Caller.NONE, 401, Caller.FORGED, 401, Caller.ALICE, 200, Caller.BOB, 200, Caller.ADMIN, 200)),
                new Case("order-service", "GET", "/orders/" + alicesOrder, null,
                        Map.of(Caller.NONE, 401, Caller.FORGED, 401, Caller.ALICE, 200, Caller.BOB, 404, Caller.ADMIN, 200)),
                new Case("order-service", "POST", "/orders/" + UUID.randomUUID() + "/cancel", null,
                        Map.of(Caller.NONE, 401, Caller.FORGED, 401, Caller.ALICE, 404, Caller.BOB, 404, Caller.ADMIN, 404))));
        for (String query : List.of("/analytics/sales", "/analytics/funnel", "/analytics/rejections", "/analytics/revenue?bucket=hour",
                "/admin/subscribers/analytics.sales")) {
            cases.add(new Case("analytics-service", "GET", query, null, adminOnlyRead));
        }
        // The views fill themselves from the store at start-up (503 until then).
        await().atMost(Duration.ofSeconds(30)).until(() -> admin(shop.url("analytics-service")).get("/analytics/sales").statusCode() == 200);
        for (String service : RunningShop.SERVICES) {
            cases.add(new Case(service, "GET", "/admin/subscribers", null, adminOnlyRead));
            cases.add(new Case(service, "GET", "/admin/dead-letters", null, adminOnlyRead));
            cases.add(new Case(service, "POST", "/admin/dead-letters/987654321/redrive", null,
                    Map.of(Caller.NONE, 401, Caller.FORGED, 401, Caller.ALICE, 403, Caller.BOB, 403, Caller.ADMIN, 404)));
        }
        List<String> wrong = new ArrayList<>();
        for (Case c : cases) {
            for (Caller caller : Caller.values()) {
                String body = c.body() != null ? c.body() : c.path().equals("/products") && c.method().equals("POST")
                        ? "{\"sku\":\"%s\",\"name\":\"M\",\"price\":{\"amount\":1,\"currency\":\"EUR\"},\"initialStock\":1}".formatted(sku) : null;
                RequestSpecification request = given().baseUri(shop.url(c.service())).contentType(ContentType.JSON)
                        .header("Idempotency-Key", UUID.randomUUID().toString());
                switch (caller) {
                    case NONE -> { }
                    case FORGED -> request.auth().oauth2(Tokens.forged("mallory"));
                    case ALICE -> request.auth().oauth2(Tokens.shopper("alice"));
                    case BOB -> request.auth().oauth2(Tokens.shopper("bob"));
                    case ADMIN -> request.auth().oauth2(Tokens.admin("ops"));
                }
                if (body != null) {
                    request.body(body);
                }
                var response = request.request(c.method(), c.path());
                int expected = c.expected().get(caller);
                if (response.statusCode() != expected) {
                    wrong.add("%s %s %s as %s: %d, expected %d".formatted(c.service(), c.method(), c.path(), caller, response.statusCode(), expected));
                } else if (expected >= 400 && !response.contentType().startsWith("application/problem+json")) {
                    wrong.add("%s %s %s as %s: %d without a problem document".formatted(c.service(), c.method(), c.path(), caller, expected));
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void one_order_is_one_trace_and_one_causation_chain_in_the_store_on_the_wire_and_in_its_flow_even_when_catch_up_delivers()
            throws Exception {
        String sku = "TRACE-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        admin(shop.url("inventory-service")).body("{\"sku\":\"%s\",\"name\":\"T\",\"price\":{\"amount\":100,\"currency\":\"EUR\"},\"initialStock\":10}"
                .formatted(sku)).post("/products").then().statusCode(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> shopper("dave").get(shop.url("order-service") + "/products")
                .jsonPath().getList("sku", String.class).contains(sku));
        try (WireTap wire = new WireTap(RunningShop.VHOST, List.of("order", "reservation"))) {
            // Live: every hop by doorbell.
            TracedOrder live = placeTraced(sku);
            assertFlow(live, wire);

            // The doorbells to inventory are lost (its queue no longer bound): catch-up reads the store, and the trace holds.
            wire.unbind("inventory.reservations.order", "order");
            try {
                TracedOrder caughtUp = placeTraced(sku);
                assertFlow(caughtUp, wire);
            } finally {
                wire.bind("inventory.reservations.order", "order");
            }
        }
        // Export is off by default: Quarkus' exporter never tried its default collector address (it logs each failed batch).
        for (String service : RunningShop.SERVICES) {
            assertThat(Files.readString(Path.of("target", "e2e-" + service + ".log"))).as(service).doesNotContain("Failed to export");
        }
    }

    @Test
    void the_flow_endpoint_refuses_a_malformed_id_and_answers_404_for_an_unknown_one() {
        admin(shop.url("order-service")).get("/admin/flows/not-a-uuid").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("path.correlationId"));
        admin(shop.url("order-service")).get("/admin/flows/" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json");
        shopper("alice").get(shop.url("order-service") + "/admin/flows/" + UUID.randomUUID()).then().statusCode(403);
        shopper("alice").header("X-Request-Id", "bad id\u0001").get(shop.url("order-service") + "/orders").then().statusCode(400)
                .contentType("application/problem+json");
    }

    private record TracedOrder(String orderId, String requestId, String traceId, String callerSpanId) {
    }

    // Places an order as a traced client would: its own trace context and request id.
    private static TracedOrder placeTraced(String sku) {
        String traceId = UUID.randomUUID().toString().replace("-", "");
        String spanId = traceId.substring(0, 16);
        String requestId = "req-" + UUID.randomUUID();
        var response = shopper("dave").header("Idempotency-Key", UUID.randomUUID().toString())
                .header("traceparent", "00-" + traceId + "-" + spanId + "-01").header("X-Request-Id", requestId)
                .body("{\"lines\":[{\"sku\":\"%s\",\"quantity\":1}]}".formatted(sku))
                .post(shop.url("order-service") + "/orders").then().statusCode(202).header("X-Request-Id", requestId).extract();
        String orderId = response.jsonPath().getString("id");
        awaitStatus("dave", orderId, "CONFIRMED");
        return new TracedOrder(orderId, requestId, traceId, spanId);
    }

    // placed -> reserved -> confirmed: one correlation id, each caused by the one before (the first by the request), all in
    // the caller's trace, each below a span of its own (the request's, inventory's apply, the saga's apply); the same on
    // the wire, where each message's header is the relay's publish span, a child in the same trace.
    private static void assertFlow(TracedOrder order, WireTap wire) throws Exception {
        List<Map<String, String>> stored = new ArrayList<>();
        try (var db = DriverManager.getConnection(LocalPostgres.jdbcUrl(RunningShop.DATABASE), LocalPostgres.USER, LocalPostgres.PASSWORD);
                var query = db.prepareStatement("select event_id::text, type, metadata ->> 'causation_id', metadata ->> 'traceparent'"
                        + " from event_store.events where metadata ->> 'correlation_id' = ? order by transaction_id, global_position")) {
            query.setString(1, order.orderId());
            try (var rows = query.executeQuery()) {
                while (rows.next()) {
                    stored.add(Map.of("id", rows.getString(1), "type", rows.getString(2), "causation", rows.getString(3),
                            "traceparent", rows.getString(4)));
                }
            }
        }
        assertThat(stored).extracting(e -> e.get("type"))
                .containsExactly("io.eventshop.order.placed", "io.eventshop.reservation.stock-reserved", "io.eventshop.order.confirmed");
        assertThat(stored).extracting(e -> e.get("causation"))
                .containsExactly(order.requestId(), stored.get(0).get("id"), stored.get(1).get("id"));
        assertThat(stored).extracting(e -> e.get("traceparent").substring(3, 35)).containsOnly(order.traceId());
        List<String> spans = stored.stream().map(e -> e.get("traceparent").substring(36, 52)).toList();
        assertThat(spans).doesNotHaveDuplicates().doesNotContain(order.callerSpanId());

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(wire.of(order.orderId())).hasSize(3));
        for (int i = 0; i < 3; i++) {
            Map<String, String> event = stored.get(i);
            WireTap.Message m = wire.of(order.orderId()).stream().filter(x -> x.id().equals(event.get("id"))).findFirst().orElseThrow();
            assertThat(m.traceparent()).as("the CloudEvent carries the stored context").isEqualTo(event.get("traceparent"));
            assertThat(m.causationId()).isEqualTo(event.get("causation"));
            assertThat(m.header()).as("the publish span: same trace, a span of its own").startsWith("00-" + order.traceId() + "-")
                    .isNotEqualTo(event.get("traceparent"));
        }

        var flow = admin(shop.url("order-service")).get("/admin/flows/" + order.orderId()).then().statusCode(200).extract().jsonPath();
        assertThat(flow.getList("events.eventId", String.class)).containsExactlyElementsOf(stored.stream().map(e -> e.get("id")).toList());
        assertThat(flow.getList("events.causationId", String.class)).containsExactly(order.requestId(), stored.get(0).get("id"),
                stored.get(1).get("id"));
        assertThat(flow.getString("events[1].subscribers.find { it.subscriber == 'order.saga' }.state")).isEqualTo("applied");
        var inventory = admin(shop.url("inventory-service")).get("/admin/flows/" + order.orderId()).then().statusCode(200).extract().jsonPath();
        assertThat(inventory.getString("events[0].subscribers.find { it.subscriber == 'inventory.reservations' }.state")).isEqualTo("applied");
    }

    private static String place(String shopper, String sku, int quantity) {
        return shopper(shopper).header("Idempotency-Key", UUID.randomUUID().toString())
                .body("{\"lines\":[{\"sku\":\"%s\",\"quantity\":%d}]}".formatted(sku, quantity))
                .post(shop.url("order-service") + "/orders").then().statusCode(202).extract().jsonPath().getString("id");
    }

    private static void awaitStatus(String shopper, String order, String status) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> shopper(shopper).get(shop.url("order-service") + "/orders/" + order)
                .then().statusCode(200).body("status", equalTo(status)));
    }

    private static void stock(String sku, int reserved) {
        admin(shop.url("inventory-service")).get("/products/" + sku).then().statusCode(200)
                .body("onHand", equalTo(3)).body("reserved", equalTo(reserved));
    }

    private static RequestSpecification shopper(String subject) {
        return given().contentType(ContentType.JSON).auth().oauth2(Tokens.shopper(subject));
    }

    private static RequestSpecification admin(String baseUri) {
        return given().baseUri(baseUri).contentType(ContentType.JSON).auth().oauth2(Tokens.admin("ops"));
    }
}
