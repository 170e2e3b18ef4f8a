package io.eventshop.system.contracts;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventshop.events.RecordedEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.codec.EventTypes;
import io.eventshop.system.RunningShop;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.LocalRabbitMq;
import io.eventshop.testing.Tokens;
import io.eventshop.wire.CloudEventCodec;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The published contracts of the packaged services, in the `local` profile (as deploy/local/start runs them): each
 * serves an AsyncAPI document that the real AsyncAPI parser accepts, every event type written in a real run fits
 * the JSON Schema its dataschema names and its producer's message, docs/events.md says what the code says, and
 * Swagger UI is served with its API description behind the admin role. The parser and ajv run in node
 * (system-tests/contracts; deploy/local/test installs them with npm ci).
 */
class ContractsTest {

    private static final Path ROOT = LocalRabbitMq.repositoryRoot();
    private static final Path TOOLS = ROOT.resolve("system-tests/contracts");
    private static final Path DOCS = ROOT.resolve("docs/events.md");
    private static final ObjectMapper JSON = new ObjectMapper();

    static RunningShop shop;
    static Map<String, JsonNode> documents = new LinkedHashMap<>();
    static Map<String, JsonNode> examples = new LinkedHashMap<>();

    @BeforeAll
    static void runEveryKindOfEvent() throws Exception {
        shop = RunningShop.start();
        String sku = "CUP-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        admin("inventory-service").body("{\"sku\":\"%s\",\"name\":\"Cup\",\"price\":{\"amount\":700,\"currency\":\"EUR\"},\"initialStock\":2}"
                .formatted(sku)).post("/products").then().statusCode(201);
        admin("inventory-service").body("{\"price\":{\"amount\":650,\"currency\":\"EUR\"}}").put("/products/" + sku + "/price").then().statusCode(200);
        admin("inventory-service").body("{\"quantity\":1}").post("/products/" + sku + "/restock").then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> shopper().get(shop.url("order-service") + "/products")
                .jsonPath().getList("sku", String.class).contains(sku));
        String confirmed = place(sku, 2);
        String rejected = place(sku, 5);
        awaitStatus(confirmed, "CONFIRMED");
        awaitStatus(rejected, "REJECTED");
        shopper().post(shop.url("order-service") + "/orders/" + confirmed + "/cancel").then().statusCode(202);
        List<String> streams = List.of("product-" + sku, "order-" + confirmed, "order-" + rejected, "reservation-" + confirmed,
                "reservation-" + rejected);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            examples = fromTheStore(streams);
            assertThat(examples.keySet()).containsExactlyInAnyOrderElementsOf(EventTypes.ALL.stream().map(t -> t.name()).toList());
        });
        for (String service : List.of("order-service", "inventory-service", "analytics-service")) {
            documents.put(service, JSON.readTree(given().get(shop.url(service) + "/asyncapi").then().statusCode(200).extract().asByteArray()));
        }
    }

    @AfterAll
    static void stop() {
        if (shop != null) {
            shop.close();
        }
    }

    @Test
    void every_asyncapi_document_parses_and_every_real_event_fits_its_schema_and_its_message() throws Exception {
        ObjectNode input = JSON.createObjectNode();
        input.set("documents", JSON.valueToTree(documents));
        ArrayNode events = input.putArray("events");
        for (JsonNode event : examples.values()) {
            events.add(checked(event));
        }

        String output = node(input);

        assertThat(output).contains("ok: order-service /asyncapi parses", "ok: inventory-service /asyncapi parses",
                "ok: analytics-service /asyncapi parses");
        for (String type : examples.keySet()) {
            assertThat(output).contains("ok: " + type + " v");
        }
    }

    @Test
    void docs_events_md_lists_every_event_with_its_producer_and_consumers_as_the_code_does() throws Exception {
        List<EventsDocument.Entry> entries = EventsDocument.entries(documents);
        assertThat(entries).extracting(EventsDocument.Entry::type)
                .containsExactlyInAnyOrderElementsOf(EventTypes.ALL.stream().map(t -> t.name()).toList());
        String generated = EventsDocument.markdown(entries, documents, examples);
        if (Boolean.getBoolean("eventshop.write-docs")) {
            Files.createDirectories(DOCS.getParent());
            Files.writeString(DOCS, generated);
        }
        assertThat(DOCS).as("docs/events.md; write it with " + EventsDocument.REGENERATE).exists();
        String committed = Files.readString(DOCS);

        assertThat(EventsDocument.withoutExamples(committed)).as("docs/events.md is stale: regenerate it with " + EventsDocument.REGENERATE)
                .isEqualTo(EventsDocument.withoutExamples(generated));
        // The committed examples come from an earlier run: they must still fit today's schemas and messages.
        ObjectNode input = JSON.createObjectNode();
        input.set("documents", JSON.valueToTree(documents));
        ArrayNode events = input.putArray("events");
        for (JsonNode example : EventsDocument.examples(committed).values()) {
            events.add(checked(example));
        }
        assertThat(events).hasSize(EventTypes.ALL.size());
        node(input);
    }

    @Test
    void swagger_ui_answers_and_its_api_description_needs_the_admin_role() {
        for (String service : List.of("order-service", "inventory-service", "analytics-service")) {
            given().get(shop.url(service) + "/q/swagger-ui/").then().statusCode(200);
            given().get(shop.url(service) + "/q/openapi").then().statusCode(401);
            given().auth().oauth2(Tokens.shopper("alice")).get(shop.url(service) + "/q/openapi").then().statusCode(403);
            given().auth().oauth2(Tokens.admin("ops")).get(shop.url(service) + "/q/openapi").then().statusCode(200);
        }
    }

    // The event, the schema its dataschema names (fetched from its producer, under the dataschema's path) and its producer.
    private static ObjectNode checked(JsonNode event) {
        String producer = event.path("source").asText();
        String path = URI.create(event.path("dataschema").asText()).getPath();
        JsonNode schema;
        try {
            schema = JSON.readTree(given().get(shop.url(producer) + path).then().statusCode(200).extract().asByteArray());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        ObjectNode checked = JSON.createObjectNode().put("producer", producer);
        checked.set("event", event);
        checked.set("schema", schema);
        return checked;
    }

    // One event of each type from the store, as the relay puts it on the wire.
    private static Map<String, JsonNode> fromTheStore(List<String> streams) throws Exception {
        Map<String, JsonNode> byType = new LinkedHashMap<>();
        try (var db = DriverManager.getConnection(LocalPostgres.jdbcUrl(RunningShop.DATABASE), LocalPostgres.USER, LocalPostgres.PASSWORD);
             var query = db.prepareStatement("select event_id, stream_id, stream_version, type, schema_version, data::text, metadata::text,"
                     + " occurred_at from event_store.events where stream_id = any (?) order by global_position")) {
            query.setArray(1, db.createArrayOf("text", streams.toArray()));
            try (var rows = query.executeQuery()) {
                while (rows.next()) {
                    RecordedEvent recorded = new RecordedEvent(rows.getObject(1, UUID.class), StreamId.parse(rows.getString(2)), rows.getInt(3),
                            rows.getString(4), rows.getInt(5), rows.getString(6), EventCodec.readMetadata(rows.getString(7)),
                            rows.getTimestamp(8).toInstant());
                    byType.putIfAbsent(recorded.type(), JSON.readTree(CloudEventCodec.encode(recorded)));
                }
            }
        }
        return byType;
    }

    private static String node(ObjectNode input) throws Exception {
        assertThat(TOOLS.resolve("node_modules/@asyncapi/parser")).as("the contract checks' npm packages; deploy/local/test installs them"
                + " (npm ci --prefix system-tests/contracts)").exists();
        Path file = Files.createTempFile(Path.of("target"), "contracts-", ".json");
        Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(input));
        Process process = new ProcessBuilder("node", "validate.mjs", file.toAbsolutePath().toString()).directory(TOOLS.toFile())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static String place(String sku, int quantity) {
        return shopper().header("Idempotency-Key", UUID.randomUUID().toString())
                .body("{\"lines\":[{\"sku\":\"%s\",\"quantity\":%d}]}".formatted(sku, quantity))
                .post(shop.url("order-service") + "/orders").then().statusCode(202).extract().jsonPath().getString("id");
    }

    private static void awaitStatus(String order, String status) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> shopper().get(shop.url("order-service") + "/orders/" + order)
                .then().statusCode(200).body("status", equalTo(status)));
    }

    private static RequestSpecification shopper() {
        return given().contentType(ContentType.JSON).auth().oauth2(Tokens.shopper("alice"));
    }

    private static RequestSpecification admin(String service) {
        return given().baseUri(shop.url(service)).contentType(ContentType.JSON).auth().oauth2(Tokens.admin("ops"));
    }
}
