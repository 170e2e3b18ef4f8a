package io.eventshop.order.catalog;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.Money;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.product.ProductAdded;
import io.eventshop.events.product.ProductEvent;
import io.eventshop.events.product.ProductPriceChanged;
import io.eventshop.events.product.StockReplenished;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Envelope;
import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.OwnerStore;
import io.eventshop.testing.StoreFixture;
import io.eventshop.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The order.catalog view follows product events into {@code GET /products}. Nothing relays the
 * product category in this process, so the view gets them the way it gets anything a broker lost:
 * from the store, by catch-up.
 */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class CatalogTest {

    // Plays the other services' writers: the service's own role may append only its own categories.
    final EventStore store = OwnerStore.on(StoreFixture.DATABASE);
    @Inject
    CatalogView catalogView;

    @Test
    void a_product_and_its_new_price_reach_the_catalog_and_stock_changes_are_ignored() {
        String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
        append(new ProductAdded(sku, "Espresso cup", Money.of(899, "EUR"), 10));
        append(new StockReplenished(sku, 5));
        append(new ProductPriceChanged(sku, Money.of(999, "EUR")));

        String path = "find { it.sku == '%s' }".formatted(sku);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().auth().oauth2(Tokens.shopper("alice"))
                .get("/products").then().statusCode(200)
                .body(path + ".name", equalTo("Espresso cup"))
                .body(path + ".price.amount", equalTo(999))
                .body(path + ".price.currency", equalTo("EUR")));
    }

    @Test
    void a_rebuild_while_products_change_and_orders_flow_keeps_answering_and_ends_equal_to_the_store() throws Exception {
        String known = "SKU-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
        append(new ProductAdded(known, "Rebuild plate", Money.of(500, "EUR"), 100));
        await().atMost(Duration.ofSeconds(30)).until(() -> shopper().get("/products").statusCode() == 200
                && shopper().get("/products").jsonPath().getList("sku", String.class).contains(known));
        AtomicBoolean changing = new AtomicBoolean(true);
        List<String> troubles = new CopyOnWriteArrayList<>();
        Thread products = Thread.ofVirtual().start(() -> {
            for (int i = 0; changing.get(); i++) {
                String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
                append(new ProductAdded(sku, "Rebuild mug " + i, Money.of(100 + i, "EUR"), 1));
                append(new ProductPriceChanged(sku, Money.of(200 + i, "EUR")));
                pause(20);
            }
        });
        Thread questions = Thread.ofVirtual().start(() -> {
            while (changing.get()) {
                int catalog = shopper().get("/products").statusCode();
                int order = shopper().contentType("application/json").header("Idempotency-Key", UUID.randomUUID().toString())
                        .body("{\"lines\":[{\"sku\":\"" + known + "\",\"quantity\":1}]}").post("/orders").statusCode();
                if (catalog != 200 || order != 202) {
                    troubles.add("GET /products answered " + catalog + " and POST /orders " + order + " during the rebuild");
                }
                pause(10);
            }
        });

        admin().post("/admin/subscribers/order.catalog/rebuild").then().statusCode(202)
                .header("Location", org.hamcrest.Matchers.endsWith("/admin/subscribers/order.catalog"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> admin().get("/admin/subscribers/order.catalog").then()
                .body("rebuild.state", equalTo("SWITCHED")));
        changing.set(false);
        products.join();
        questions.join();

        assertThat(troubles).isEmpty();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(catalog()).isEqualTo(fromScratch()));
        admin().get("/admin/dead-letters?subscriber=order.catalog").then().statusCode(200).body("size()", equalTo(0));

        // Repositioned to the beginning, the live copy applies every product event again: as it did the first time.
        admin().contentType("application/json").body("{\"from\":\"beginning\"}").post("/admin/subscribers/order.catalog/reposition")
                .then().statusCode(200).body("categories[0].to", equalTo("position:0:0"))
                .body("categories[0].streams", org.hamcrest.Matchers.greaterThan(0));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> admin().get("/admin/subscribers/order.catalog").then()
                .body("lagEvents", equalTo(0)));
        assertThat(catalog()).isEqualTo(fromScratch());
        admin().get("/admin/dead-letters?subscriber=order.catalog").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void events_applied_again_never_take_a_price_back() {
        String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
        List<StoredEvent> stream = List.of(append(new ProductAdded(sku, "Teapot", Money.of(1000, "EUR"), 1)),
                append(new ProductPriceChanged(sku, Money.of(1200, "EUR"))), append(new ProductPriceChanged(sku, Money.of(1500, "EUR"))));
        String schema = "catalog_test_" + UUID.randomUUID().toString().substring(0, 8);
        store.inTransaction(tx -> Multi.createFrom().iterable(concat(List.of("create schema " + schema), catalogView.createTables(schema)))
                        .onItem().transformToUniAndConcatenate(ddl -> tx.connection().query(ddl).execute()).collect().last())
                .await().atMost(Duration.ofSeconds(10));
        try {
            applyAll(schema, stream);
            // A reposition applies each again, in order, page by page: after each one the price is the newest.
            for (StoredEvent again : stream) {
                applyAll(schema, List.of(again));
                assertThat(price(schema, sku)).as("after " + again.type() + " v" + again.streamVersion() + " again").isEqualTo(1500);
            }
        } finally {
            store.inTransaction(tx -> tx.connection().query("drop schema " + schema + " cascade").execute()).await().atMost(Duration.ofSeconds(10));
        }
    }

    private void applyAll(String schema, List<StoredEvent> events) {
        List<Envelope<?>> envelopes = events.stream()
                .<Envelope<?>>map(e -> new Envelope<>(e.event(), EventCodec.decode(e.event()), e.position())).toList();
        store.inTransaction(tx -> catalogView.apply(tx, schema, envelopes)).await().atMost(Duration.ofSeconds(10));
    }

    private long price(String schema, String sku) {
        return store.inTransaction(tx -> tx.connection().preparedQuery("select price_amount from " + schema + ".products where sku = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(sku))).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    @Test
    void the_catalog_needs_a_token() {
        given().get("/products").then().statusCode(401).contentType("application/problem+json");
        given().auth().oauth2(Tokens.admin("ops")).get("/products").then().statusCode(200);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // GET /products as sku|name|amount|currency lines.
    private static List<String> catalog() {
        List<String> lines = new ArrayList<>();
        for (Map<String, Object> item : shopper().get("/products").then().statusCode(200).extract().jsonPath().<Map<String, Object>>getList("")) {
            Map<?, ?> price = (Map<?, ?>) item.get("price");
            lines.add(item.get("sku") + "|" + item.get("name") + "|" + price.get("amount") + "|" + price.get("currency"));
        }
        return lines;
    }

    // The catalog computed independently, straight from the store's product events: name from the addition, the last price.
    private List<String> fromScratch() {
        Map<String, String[]> products = new TreeMap<>();
        for (StoredEvent event : store.streamCategory(ProductEvent.CATEGORY, Checkpoint.START).collect().asList().await().indefinitely()) {
            switch (EventCodec.decode(event.event())) {
                case ProductAdded added -> products.put(added.sku(), new String[] {added.name(), Long.toString(added.price().amount()),
                        added.price().currency()});
                case ProductPriceChanged changed -> {
                    String[] product = products.get(changed.sku());
                    product[1] = Long.toString(changed.price().amount());
                    product[2] = changed.price().currency();
                }
                default -> { }
            }
        }
        List<String> lines = new ArrayList<>();
        products.forEach((sku, p) -> lines.add(sku + "|" + p[0] + "|" + p[1] + "|" + p[2]));
        return lines;
    }

    private static RequestSpecification shopper() {
        return given().auth().oauth2(Tokens.shopper("alice"));
    }

    private static RequestSpecification admin() {
        return given().auth().oauth2(Tokens.admin("ops"));
    }

    private StoredEvent append(ProductEvent event) {
        return store.inTransaction(tx -> store.append(tx, event.streamId(), ExpectedVersion.ANY,
                List.of(EventCodec.encode(event, new EventMetadata(null, null, "inventory-service", null, "test"), Instant.now()))))
                .await().atMost(Duration.ofSeconds(10)).getFirst();
    }
}
