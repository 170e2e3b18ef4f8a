package io.eventshop.system;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.LocalRabbitMq;
import io.eventshop.testing.Tokens;
import io.eventshop.wire.Exchanges;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The operator console in a real browser: Playwright (npm playwright-core) drives Debian's Chromium, headless,
 * against the three services as processes. The checks themselves are in {@code src/test/browser/console.test.mjs}
 * (node's test runner); this test prepares what they look at (products, orders, a stuck subscriber's table, a
 * dead letter, enough events for a rebuild to take a few seconds) and fails when any of them fails. They save
 * screenshots of the console in {@code system-tests/target/screenshots}; with
 * {@code -Deventshop.screenshots=$PWD/docs/images} they refresh the documentation's. {@code deploy/local/browser-deps} installs
 * Chromium and playwright-core; the test is skipped only where Chromium cannot be installed.
 */
class ConsoleBrowserTest {

    private static final Path ROOT = LocalRabbitMq.repositoryRoot();
    private static final Path BROWSER = ROOT.resolve("system-tests/src/test/browser");
    /** Product events for the rebuild to replay, in pages of {@link #PAGE_SIZE}: a few seconds of progress to watch. */
    private static final int BULK_EVENTS = 4000;
    private static final String PAGE_SIZE = "10";

    @Test
    void the_console_shows_lag_resolves_dead_letters_follows_a_rebuild_and_draws_the_views() throws Exception {
        String chromium = browserDependencies();
        try (RunningShop shop = RunningShop.start(RunningShop.DATABASE, true, RunningShop.SERVICES, "256m",
                Map.of("EVENTSHOP_SUBSCRIBER_PAGE_SIZE", PAGE_SIZE))) {
            Instant beforeOrders = Instant.now();
            String mug = "MUG-" + suffix();
            String lamp = "LAMP-" + suffix();
            addProduct(shop, mug, "Mug", 1250, 10);
            addProduct(shop, lamp, "Lamp", 4900, 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> shopper(shop, "alice").get("/products").jsonPath()
                    .getList("sku", String.class).containsAll(List.of(mug, lamp)));
            awaitStatus(shop, "alice", place(shop, "alice", mug, 3), "CONFIRMED");
            awaitStatus(shop, "bob", place(shop, "bob", lamp, 1), "CONFIRMED");
            awaitStatus(shop, "carol", place(shop, "carol", lamp, 1), "REJECTED");
            String cancelled = place(shop, "dave", mug, 2);
            awaitStatus(shop, "dave", cancelled, "CONFIRMED");
            shopper(shop, "dave").post("/orders/" + cancelled + "/cancel").then().statusCode(202);
            awaitStatus(shop, "dave", cancelled, "CANCELLED");
            appendBulkProductEvents();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> admin(shop.url("analytics-service")).get("/analytics/funnel").then()
                    .statusCode(200).body("placed", equalTo(4)).body("cancelled", equalTo(1)));
            // 400 pages of ten: about 30 s here, more on a busy machine.
            await().atMost(Duration.ofSeconds(180)).untilAsserted(() -> admin(shop.url("analytics-service")).get("/admin/subscribers/analytics.sales")
                    .then().body("lagEvents", equalTo(0)));
            plantUndecodableMessage();
            await().atMost(Duration.ofSeconds(30)).until(() -> admin(shop.url("analytics-service")).get("/admin/dead-letters").jsonPath()
                    .getList("reason", String.class).stream().filter(reason -> reason.startsWith("undecodable")).count() == 4);

            Map<String, String> environment = new HashMap<>();
            environment.put("CHROMIUM", chromium);
            environment.put("ORDER_URL", shop.url("order-service"));
            environment.put("ANALYTICS_URL", shop.url("analytics-service"));
            environment.put("ADMIN_TOKEN", Tokens.admin("ops"));
            environment.put("SHOPPER_TOKEN", Tokens.shopper("erin"));
            environment.put("SKU", mug);
            environment.put("BEFORE_ORDERS", beforeOrders.toString());
            environment.put("PG_URL", "postgresql://%s@%s:%d/%s".formatted(LocalPostgres.USER, LocalPostgres.HOST, LocalPostgres.PORT,
                    RunningShop.DATABASE));
            Path screenshots = Path.of(System.getProperty("eventshop.screenshots", ROOT.resolve("system-tests/target/screenshots").toString()));
            Files.createDirectories(screenshots);
            environment.put("SCREENSHOTS", screenshots.toString());
            Run run = run(List.of("node", "--test", "--test-reporter=spec", "--test-concurrency=1", "console.test.mjs"), environment,
                    Duration.ofMinutes(8));
            System.out.println(run.output());
            assertThat(run.exitCode()).as("the browser tests (output above)\n" + run.output()).isZero();
        }
    }

    // Chromium and playwright-core, installed by the project's script; a machine where Chromium cannot be installed skips.
    private static String browserDependencies() throws IOException, InterruptedException {
        Run deps = run(List.of(ROOT.resolve("deploy/local/browser-deps").toString()), Map.of(), Duration.ofMinutes(10));
        Assumptions.assumeFalse(deps.exitCode() == 3, "the console's browser tests are skipped: " + deps.output().strip());
        assertThat(deps.exitCode()).as(deps.output()).isZero();
        List<String> lines = deps.output().strip().lines().toList();
        return lines.getLast();
    }

    // Stock replenishments of one product, straight into the store: enough events that a rebuild of
    // analytics.sales (which reads the product category) takes a few seconds in pages of ten.
    private static void appendBulkProductEvents() throws Exception {
        String sku = "BULK-" + suffix();
        try (var db = DriverManager.getConnection(LocalPostgres.jdbcUrl(RunningShop.DATABASE), LocalPostgres.USER, LocalPostgres.PASSWORD);
             var sql = db.createStatement()) {
            sql.execute("insert into event_store.events (event_id, stream_id, category, stream_version, type, schema_version, data, metadata,"
                    + " occurred_at) values (gen_random_uuid(), 'product-" + sku + "', 'product', 1, 'io.eventshop.product.added', 1,"
                    + " '{\"sku\":\"" + sku + "\",\"name\":\"Bulk\",\"price\":{\"amount\":100,\"currency\":\"EUR\"},\"initialStock\":0}',"
                    + " '{\"source\":\"console-test\"}', now())");
            sql.execute("insert into event_store.events (event_id, stream_id, category, stream_version, type, schema_version, data, metadata,"
                    + " occurred_at) select gen_random_uuid(), 'product-" + sku + "', 'product', v, 'io.eventshop.product.stock-replenished', 1,"
                    + " '{\"sku\":\"" + sku + "\",\"quantity\":1}', '{\"source\":\"console-test\"}', now()"
                    + " from generate_series(2, " + (BULK_EVENTS + 1) + ") v");
        }
    }

    // Junk on the order exchange: every subscriber of the category records a dead letter of no event, as a
    // message from a stranger would make it; redriving it applies from the store whatever it may have stood for.
    private static void plantUndecodableMessage() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1"));
        factory.setVirtualHost(RunningShop.VHOST);
        try (Connection connection = factory.newConnection("console-test"); Channel channel = connection.createChannel()) {
            channel.basicPublish(Exchanges.forCategory("order"), "", null, "not an event".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void addProduct(RunningShop shop, String sku, String name, long price, int stock) {
        admin(shop.url("inventory-service")).body("{\"sku\":\"%s\",\"name\":\"%s\",\"price\":{\"amount\":%d,\"currency\":\"EUR\"},\"initialStock\":%d}"
                .formatted(sku, name, price, stock)).post("/products").then().statusCode(201);
    }

    private static String place(RunningShop shop, String shopper, String sku, int quantity) {
        return shopper(shop, shopper).header("Idempotency-Key", UUID.randomUUID().toString())
                .body("{\"lines\":[{\"sku\":\"%s\",\"quantity\":%d}]}".formatted(sku, quantity))
                .post("/orders").then().statusCode(202).extract().jsonPath().getString("id");
    }

    private static void awaitStatus(RunningShop shop, String shopper, String order, String status) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> shopper(shop, shopper).get("/orders/" + order)
                .then().statusCode(200).body("status", equalTo(status)));
    }

    private static RequestSpecification shopper(RunningShop shop, String subject) {
        return given().baseUri(shop.url("order-service")).contentType(ContentType.JSON).auth().oauth2(Tokens.shopper(subject));
    }

    private static RequestSpecification admin(String baseUri) {
        return given().baseUri(baseUri).contentType(ContentType.JSON).auth().oauth2(Tokens.admin("ops"));
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(List<String> command, Map<String, String> environment, Duration timeout) throws IOException, InterruptedException {
        Path output = Files.createTempFile("console-browser", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(BROWSER.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Run(-1, Files.readString(output) + "\n(stopped after " + timeout + ")");
            }
            return new Run(process.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
