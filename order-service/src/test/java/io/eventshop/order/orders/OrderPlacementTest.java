package io.eventshop.order.orders;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.Money;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.product.ProductAdded;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.OwnerStore;
import io.eventshop.testing.StoreFixture;
import io.eventshop.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Placing and reading orders over HTTP: priced from the catalog view, idempotent, each shopper's own. */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class OrderPlacementTest {

    // Plays the other services' writers: the service's own role may append only its own categories.
    final EventStore store = OwnerStore.on(StoreFixture.DATABASE);
    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    // One catalog for the class: each test would otherwise wait for the view to catch up.
    static String mug;
    static String plate;
    static String dollarCup;
    String shopper;

    @BeforeEach
    void catalog() {
        shopper = "shopper-" + UUID.randomUUID();
        if (mug != null) {
            return;
        }
        mug = newSku();
        plate = newSku();
        dollarCup = newSku();
        addProduct(mug, "Mug", Money.of(1299, "EUR"));
        addProduct(plate, "Plate", Money.of(450, "EUR"));
        addProduct(dollarCup, "Cup", Money.of(700, "USD"));
        await().atMost(Duration.ofSeconds(20)).until(() -> as(shopper).get("/products").jsonPath()
                .getList("sku", String.class).containsAll(List.of(mug, plate, dollarCup)));
    }

    @Test
    void an_order_is_priced_from_the_catalog_accepted_and_readable_with_its_history() {
        String key = UUID.randomUUID().toString();
        Response placed = as(shopper).header("Idempotency-Key", key).body(order(mug, 2, plate, 1)).post("/orders");
        placed.then().statusCode(202).header("Location", containsString("/orders/")).body("status", equalTo("PENDING"));
        String id = placed.jsonPath().getString("id");

        as(shopper).get("/orders/" + id).then().statusCode(200)
                .body("status", equalTo("PENDING"))
                .body("lines", hasSize(2))
                .body("lines[0].sku", equalTo(mug)).body("lines[0].unitPrice.amount", equalTo(1299))
                .body("lines[0].lineTotal.amount", equalTo(2598))
                .body("total.amount", equalTo(3048)).body("total.currency", equalTo("EUR"))
                .body("rejections", hasSize(0))
                .body("history[0].type", equalTo("io.eventshop.order.placed")).body("history[0].version", equalTo(1));
        assertThat(actorOf(id)).isEqualTo(shopper);
    }

    @Test
    void the_same_request_with_the_same_key_many_times_at_once_makes_one_order() throws Exception {
        String key = UUID.randomUUID().toString();
        Set<String> ids = ConcurrentHashMap.newKeySet();
        List<Thread> threads = IntStream.range(0, 12).mapToObj(i -> Thread.ofVirtual().start(() -> {
            Response response = as(shopper).header("Idempotency-Key", key).body(order(mug, 1)).post("/orders");
            assertThat(response.statusCode()).isEqualTo(202);
            ids.add(response.jsonPath().getString("id"));
        })).toList();
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(ids).hasSize(1);
        assertThat(ordersOf(shopper)).isEqualTo(1);
        as(shopper).header("Idempotency-Key", key).body(order(plate, 1)).post("/orders").then().statusCode(422)
                .contentType("application/problem+json")
                .body("type", equalTo("https://eventshop.io/problems/idempotency-key-reused"));
        assertThat(ordersOf(shopper)).isEqualTo(1);
    }

    @Inject
    IdempotencyKeyPurge purge;

    @Test
    void an_idempotency_key_counts_for_a_day_then_it_is_a_new_key_and_purged() {
        String key = UUID.randomUUID().toString();
        String first = as(shopper).header("Idempotency-Key", key).body(order(mug, 1)).post("/orders").then().statusCode(202)
                .extract().jsonPath().getString("id");
        as(shopper).header("Idempotency-Key", key).body(order(plate, 1)).post("/orders").then().statusCode(422);

        // A day and an hour later (its first use moved back): another request with it is a new order.
        pool.preparedQuery("update orders.idempotency_keys set created_at = now() - interval '25 hours' where shopper_id = $1 and key = $2")
                .execute(Tuple.of(shopper, key)).await().indefinitely();
        String second = as(shopper).header("Idempotency-Key", key).body(order(plate, 1)).post("/orders").then().statusCode(202)
                .extract().jsonPath().getString("id");
        assertThat(second).isNotEqualTo(first);
        assertThat(ordersOf(shopper)).isEqualTo(2);

        // Expired keys are deleted; a live one stays.
        pool.preparedQuery("update orders.idempotency_keys set created_at = now() - interval '25 hours' where shopper_id = $1 and key = $2")
                .execute(Tuple.of(shopper, key)).await().indefinitely();
        String live = UUID.randomUUID().toString();
        as(shopper).header("Idempotency-Key", live).body(order(mug, 2)).post("/orders").then().statusCode(202);
        assertThat(purge.purgeBatch().await().indefinitely()).isGreaterThanOrEqualTo(1);
        assertThat(pool.preparedQuery("select key from orders.idempotency_keys where shopper_id = $1").execute(Tuple.of(shopper))
                .await().indefinitely().iterator().next().getString(0)).isEqualTo(live);
    }

    @Test
    void unknown_skus_and_mixed_currencies_are_422_and_store_nothing() {
        as(shopper).header("Idempotency-Key", UUID.randomUUID().toString()).body(order(mug, 1, "NO-SUCH-" + newSku(), 1))
                .post("/orders").then().statusCode(422)
                .body("errors.field", equalTo(List.of("lines[1].sku")));
        as(shopper).header("Idempotency-Key", UUID.randomUUID().toString()).body(order(mug, 1, dollarCup, 1))
                .post("/orders").then().statusCode(422)
                .body("errors.field", hasItem("lines[1].sku"));
        assertThat(ordersOf(shopper)).isZero();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'{\"lines\":[]}'                                        | a-good-key-123 | lines",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":0}]}'        | a-good-key-123 | lines[0].quantity",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":-2}]}'       | a-good-key-123 | lines[0].quantity",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":100000}]}'   | a-good-key-123 | lines[0].quantity",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":\"two\"}]}'  | a-good-key-123 | lines[0].quantity",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":1.9}]}'      | a-good-key-123 | lines[0].quantity",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":\"2\"}]}'    | a-good-key-123 | lines[0].quantity",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":1e309}]}'    | a-good-key-123 | lines[0].quantity",
            "'{\"lines\":[{\"sku\":12,\"quantity\":1}]}'             | a-good-key-123 | lines[0].sku",
            "'{\"lines\":[{\"sku\":\"bad sku\",\"quantity\":1}]}'    | a-good-key-123 | lines[0].sku",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":1}],\"coupon\":\"FREE\"}' | a-good-key-123 | coupon",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":1},{\"sku\":\"MUG\",\"quantity\":1}]}' | a-good-key-123 | lines",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":1}]}'        | short          | idempotencyKey",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":1}]}'        | 'has space 123' | idempotencyKey",
            "'{\"lines\":[{\"sku\":\"MUG\",\"quantity\":1}]}'        | ''             | idempotencyKey"})
    void bad_orders_are_400_with_the_field_to_fix_and_store_nothing(String body, String key, String field) {
        RequestSpecification request = as(shopper).body(body.replace("MUG", mug));
        if (!key.isEmpty()) {
            request.header("Idempotency-Key", key);
        }
        request.post("/orders").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem(field));
        assertThat(ordersOf(shopper)).isZero();
    }

    // A restart or failover of the database cuts the connection a request is using: the shopper gets a 503 problem (not
    // a 500), and a placement sent again with the same key is placed once.
    @Test
    void a_placement_whose_database_connection_is_cut_is_503_to_send_again_and_then_placed_once() throws Exception {
        String key = UUID.randomUUID().toString();
        Response answer;
        try (Connection holder = DriverManager.getConnection(LocalPostgres.jdbcUrl(StoreFixture.DATABASE), LocalPostgres.USER,
                LocalPostgres.PASSWORD); var requests = Executors.newVirtualThreadPerTaskExecutor()) {
            holder.setAutoCommit(false);
            // This request's own key, uncommitted: the placement waits on that row when it records the key, and only it does.
            try (var hold = holder.prepareStatement("insert into orders.idempotency_keys (shopper_id, key, request_hash, order_id, created_at)"
                    + " values (?, ?, 'held by the test', gen_random_uuid(), now())")) {
                hold.setString(1, shopper);
                hold.setString(2, key);
                hold.execute();
            }
            Future<Response> placing = requests.submit(() -> as(shopper).header("Idempotency-Key", key).body(order(mug, 1)).post("/orders"));
            int session = await().atMost(Duration.ofSeconds(20)).until(() -> sessionBlockedBy(holder), pid -> pid != 0);
            try (var cut = holder.prepareStatement("select pg_terminate_backend(?)")) {
                cut.setInt(1, session);
                cut.execute();
            }
            holder.rollback();
            answer = placing.get(20, TimeUnit.SECONDS);
        }

        answer.then().statusCode(503).contentType("application/problem+json").header("Retry-After", "1")
                .body("type", equalTo("https://eventshop.io/problems/database-unavailable"));
        assertThat(ordersOf(shopper)).isZero();
        String placed = as(shopper).header("Idempotency-Key", key).body(order(mug, 1)).post("/orders").then().statusCode(202)
                .extract().jsonPath().getString("id");
        as(shopper).header("Idempotency-Key", key).body(order(mug, 1)).post("/orders").then().statusCode(202).body("id", equalTo(placed));
        assertThat(ordersOf(shopper)).isEqualTo(1);
    }

    // The session of this database that waits for the holder's lock (and no other test's or run's).
    private static int sessionBlockedBy(Connection holder) throws SQLException {
        try (var query = holder.prepareStatement("select pid from pg_stat_activity where datname = current_database()"
                + " and pg_blocking_pids(pid) @> array[pg_backend_pid()]");
                var rows = query.executeQuery()) {
            return rows.next() ? rows.getInt(1) : 0;
        }
    }

    @Test
    void shoppers_see_only_their_own_orders_newest_first_page_by_page() {
        List<String> placed = IntStream.range(0, 3).mapToObj(i -> as(shopper).header("Idempotency-Key", UUID.randomUUID().toString())
                .body(order(mug, i + 1)).post("/orders").jsonPath().getString("id")).toList();
        String other = "shopper-" + UUID.randomUUID();

        as(other).get("/orders/" + placed.getFirst()).then().statusCode(404).contentType("application/problem+json");
        as(other).get("/orders").then().statusCode(200).body("", hasSize(0));
        given().auth().oauth2(Tokens.admin("ops")).get("/orders/" + placed.getFirst()).then().statusCode(200);
        given().get("/orders/" + placed.getFirst()).then().statusCode(401);

        Response first = as(shopper).queryParam("limit", 2).get("/orders");
        first.then().statusCode(200).body("id", equalTo(List.of(placed.get(2), placed.get(1))))
                .header("Link", endsWith("rel=\"next\""));
        as(shopper).queryParam("limit", 2).queryParam("after", placed.get(1)).get("/orders").then().statusCode(200)
                .body("id", equalTo(List.of(placed.getFirst())));
        as(shopper).queryParam("limit", 0).get("/orders").then().statusCode(400);
        as(shopper).queryParam("after", "not-a-uuid").get("/orders").then().statusCode(404);
    }

    private static RequestSpecification as(String shopper) {
        return given().contentType(ContentType.JSON).auth().oauth2(Tokens.shopper(shopper));
    }

    private static String order(Object... skuAndQuantity) {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < skuAndQuantity.length; i += 2) {
            lines.append(i == 0 ? "" : ",").append("{\"sku\":\"%s\",\"quantity\":%s}".formatted(skuAndQuantity[i], skuAndQuantity[i + 1]));
        }
        return "{\"lines\":[" + lines + "]}";
    }

    private void addProduct(String sku, String name, Money price) {
        ProductAdded added = new ProductAdded(sku, name, price, 10);
        store.inTransaction(tx -> store.append(tx, added.streamId(), ExpectedVersion.NO_STREAM,
                List.of(EventCodec.encode(added, new EventMetadata(null, null, "inventory-service", null, "test"), Instant.now()))))
                .await().atMost(Duration.ofSeconds(10));
    }

    private long ordersOf(String shopper) {
        return pool.preparedQuery("select count(*) from orders.orders where shopper_id = $1").execute(Tuple.of(shopper))
                .await().indefinitely().iterator().next().getLong(0);
    }

    private String actorOf(String orderId) {
        return pool.preparedQuery("select metadata->>'actor' from event_store.events where stream_id = $1")
                .execute(Tuple.of("order-" + orderId)).await().indefinitely().iterator().next().getString(0);
    }

    private static String newSku() {
        return "SKU-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
    }
}
