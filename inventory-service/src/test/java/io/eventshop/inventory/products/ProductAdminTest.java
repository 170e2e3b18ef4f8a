package io.eventshop.inventory.products;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.StoreFixture;
import io.eventshop.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Product administration over HTTP: each change is a row and its event, and bad input changes nothing. */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class ProductAdminTest {

    static Vertx vertx;
    static Pool pool;

    @BeforeAll
    static void open() {
        vertx = Vertx.vertx();
        pool = LocalPostgres.pool(vertx, StoreFixture.DATABASE, 2);
    }

    @AfterAll
    static void close() {
        pool.closeAndAwait();
        vertx.closeAndAwait();
    }

    @Test
    void an_admin_adds_reprices_restocks_and_reads_a_product_and_each_change_is_an_event() {
        String sku = newSku();
        admin().body(product(sku, "Tasse à café", 1299, "EUR", 40)).post("/products")
                .then().statusCode(201)
                .header("Location", endsWith("/products/" + sku))
                .body("sku", equalTo(sku)).body("onHand", equalTo(40)).body("available", equalTo(40));
        admin().body("{\"price\":{\"amount\":1499,\"currency\":\"EUR\"}}").put("/products/" + sku + "/price")
                .then().statusCode(200).body("price.amount", equalTo(1499));
        admin().body("{\"quantity\":25}").post("/products/" + sku + "/restock")
                .then().statusCode(200).body("onHand", equalTo(65));

        admin().get("/products/" + sku).then().statusCode(200)
                .body("name", equalTo("Tasse à café"))
                .body("price.amount", equalTo(1499)).body("price.currency", equalTo("EUR"))
                .body("onHand", equalTo(65)).body("reserved", equalTo(0)).body("available", equalTo(65));
        assertThat(events(sku)).containsExactly("io.eventshop.product.added", "io.eventshop.product.price-changed",
                "io.eventshop.product.stock-replenished");
        assertThat(actors(sku)).containsOnly("alice-admin");
    }

    @Test
    void a_second_product_with_the_same_sku_is_a_conflict_and_changes_nothing() {
        String sku = newSku();
        admin().body(product(sku, "First", 100, "EUR", 1)).post("/products").then().statusCode(201);

        admin().body(product(sku, "Second", 200, "USD", 2)).post("/products").then().statusCode(409)
                .contentType("application/problem+json").body("status", equalTo(409));

        admin().get("/products/" + sku).then().body("name", equalTo("First"));
        assertThat(events(sku)).hasSize(1);
    }

    @Test
    void an_unknown_product_is_404_for_every_endpoint() {
        String sku = newSku();
        admin().get("/products/" + sku).then().statusCode(404).contentType("application/problem+json");
        admin().body("{\"price\":{\"amount\":1,\"currency\":\"EUR\"}}").put("/products/" + sku + "/price").then().statusCode(404);
        admin().body("{\"quantity\":1}").post("/products/" + sku + "/restock").then().statusCode(404);
        assertThat(events(sku)).isEmpty();
    }

    @Test
    void only_admins_manage_products() {
        String sku = newSku();
        admin().body(product(sku, "Guarded", 100, "EUR", 1)).post("/products").then().statusCode(201);
        for (RequestSpecification caller : List.of(given().contentType(ContentType.JSON),
                given().contentType(ContentType.JSON).auth().oauth2(Tokens.forged("mallory")))) {
            caller.body(product(newSku(), "x", 1, "EUR", 1)).post("/products").then().statusCode(401);
        }
        RequestSpecification shopper = given().contentType(ContentType.JSON).auth().oauth2(Tokens.shopper("bob"));
        shopper.body(product(newSku(), "x", 1, "EUR", 1)).post("/products").then().statusCode(403);
        shopper.get("/products/" + sku).then().statusCode(403);
        shopper.body("{\"price\":{\"amount\":1,\"currency\":\"EUR\"}}").put("/products/" + sku + "/price").then().statusCode(403);
        shopper.body("{\"quantity\":1}").post("/products/" + sku + "/restock").then().statusCode(403);
        given().get("/products/" + sku).then().statusCode(401).contentType("application/problem+json");
        assertThat(events(sku)).hasSize(1);
    }

    static Stream<Arguments> badNewProducts() {
        return Stream.of(
                Arguments.of("{}", List.of("initialStock", "name", "price", "sku")),
                Arguments.of(product("bad sku!", "x", 1, "EUR", 1), List.of("sku")),
                Arguments.of(product("SKU", "", 1, "EUR", 1), List.of("name")),
                Arguments.of(product("SKU", "x", -1, "EUR", 1), List.of("price.amount")),
                Arguments.of(product("SKU", "x", 1, "eur", 1), List.of("price.currency")),
                // Three capital letters, but no currency of ISO 4217.
                Arguments.of(product("SKU", "x", 1, "XYZ", 1), List.of("price.currency")),
                // Postgres cannot store a NUL in text: refused here, not a 500 at the insert.
                Arguments.of(product("SKU", "a\\u0000b", 1, "EUR", 1), List.of("name")),
                // A fraction of a minor unit is not silently truncated to 12.
                Arguments.of("{\"sku\":\"SKU\",\"name\":\"x\",\"price\":{\"amount\":12.99,\"currency\":\"EUR\"},\"initialStock\":1}",
                        List.of("price.amount")),
                Arguments.of("{\"sku\":\"SKU\",\"name\":\"x\",\"price\":{\"amount\":1,\"currency\":\"EUR\"},\"initialStock\":1.5}",
                        List.of("initialStock")),
                Arguments.of(product("SKU", "x", 1, "EUR", -5), List.of("initialStock")),
                Arguments.of(product("SKU", "x", 1, "EUR", 2_000_000_000), List.of("initialStock")),
                Arguments.of("{\"sku\":\"SKU\",\"name\":\"x\",\"price\":{\"amount\":1,\"currency\":\"EUR\"},\"initialStock\":1,\"colour\":\"red\"}",
                        List.of("colour")),
                Arguments.of("{\"sku\":\"SKU\",\"name\":\"x\",\"price\":{\"amount\":\"lots\",\"currency\":\"EUR\"},\"initialStock\":1}",
                        List.of("price.amount")),
                Arguments.of("{\"sku\":\"SKU\",\"name\":\"x\",\"price\":1299,\"initialStock\":1}", List.of("price")),
                Arguments.of("not json", List.of()),
                Arguments.of("", List.of("body")));
    }

    @Test
    void a_body_over_the_limit_is_413_with_a_problem_document_and_nothing_is_stored() {
        String sku = newSku();
        admin().body(product(sku, "x".repeat(70_000), 1, "EUR", 1)).post("/products").then().statusCode(413)
                .contentType("application/problem+json")
                .body("status", equalTo(413)).body("title", equalTo("Payload Too Large"));
        assertThat(events(sku)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("badNewProducts")
    void a_bad_new_product_is_400_with_the_fields_to_fix_and_nothing_is_stored(String body, List<String> fields) {
        String sku = newSku();
        String request = body.replace("\"SKU\"", "\"" + sku + "\"");

        var response = admin().body(request).post("/products").then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400));
        List<String> named = response.extract().jsonPath().getList("errors.field", String.class);
        assertThat(named == null ? List.of() : named).containsExactlyInAnyOrderElementsOf(fields);
        assertThat(events(sku)).isEmpty();
        admin().get("/products/" + sku).then().statusCode(404);
    }

    @Test
    void bad_changes_are_4xx_and_change_nothing() {
        String sku = newSku();
        admin().body(product(sku, "Stable", 100, "EUR", 10)).post("/products").then().statusCode(201);

        admin().body("{\"quantity\":0}").post("/products/" + sku + "/restock").then().statusCode(400)
                .body("errors.field", hasItem("quantity"));
        admin().body("{\"quantity\":-3}").post("/products/" + sku + "/restock").then().statusCode(400);
        admin().body("{\"quantity\":1000000}").post("/products/" + sku + "/restock").then().statusCode(422)
                .contentType("application/problem+json");
        admin().body("{\"price\":{\"amount\":100}}").put("/products/" + sku + "/price").then().statusCode(400)
                .body("errors.field", hasItem("price.currency"));
        admin().body("{\"price\":{\"amount\":1,\"currency\":\"EUR\"}}").put("/products/bad%20sku/price").then().statusCode(400);
        admin().body("{\"sku\":\"" + sku + "\",\"pad\":\"" + "x".repeat(70_000) + "\"}").post("/products").then().statusCode(413);

        admin().get("/products/" + sku).then().body("onHand", equalTo(10)).body("price.amount", equalTo(100));
        assertThat(events(sku)).hasSize(1);
    }

    private static RequestSpecification admin() {
        return given().contentType(ContentType.JSON).auth().oauth2(Tokens.admin("alice-admin"));
    }

    private static String product(String sku, String name, long amount, String currency, long stock) {
        return "{\"sku\":\"%s\",\"name\":\"%s\",\"price\":{\"amount\":%d,\"currency\":\"%s\"},\"initialStock\":%d}"
                .formatted(sku, name, amount, currency, stock);
    }

    private static String newSku() {
        return "SKU-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
    }

    private static List<String> events(String sku) {
        List<String> types = new ArrayList<>();
        pool.preparedQuery("select type from event_store.events where stream_id = $1 order by stream_version")
                .execute(Tuple.of("product-" + sku)).await().indefinitely().forEach(row -> types.add(row.getString(0)));
        return types;
    }

    private static List<String> actors(String sku) {
        List<String> actors = new ArrayList<>();
        pool.preparedQuery("select metadata->>'actor' from event_store.events where stream_id = $1")
                .execute(Tuple.of("product-" + sku)).await().indefinitely().forEach(row -> actors.add(row.getString(0)));
        return actors;
    }
}
