package io.eventshop.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.Tokens;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random and malformed bodies, headers, paths and query parameters thrown at the three running services:
 * whatever comes in, the answer is never a 5xx, every error is a problem document, and nothing a refused
 * request carried reaches the store. Each property is a few hundred requests (jqwik shrinks a failure to
 * the smallest input that still fails, and prints it with its seed).
 */
class EdgeFuzzTest {

    // HTTP/1.1, as the services' clients speak it: over h2c an oversized header is a stream reset, not an answer.
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static RunningShop shop;
    private static final Set<String> accepted = ConcurrentHashMap.newKeySet();

    @BeforeContainer
    static void start() throws Exception {
        shop = RunningShop.start();
        // The views fill themselves at start-up (503 until then): fuzz them once they answer.
        for (String view : List.of("sales", "funnel", "rejections", "revenue")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> send("GET", "analytics-service", "/analytics/" + view, null, null,
                    Tokens.admin("fuzz"), Map.of()).status() == 200);
        }
    }

    @AfterContainer
    static void stop() throws Exception {
        if (shop != null) {
            List<String> streams = streamsInStore();
            shop.close();
            // Only what was accepted reached the store: the streams of the products and orders answered 2xx
            // (a random body is now and then a valid product), and nothing of any refused request.
            assertThat(streams).as("streams the fuzzed requests left in the store").allSatisfy(stream ->
                    assertThat(accepted).as("accepted resources").anySatisfy(id -> assertThat(stream).endsWith("-" + id)));
        }
    }

    @Property(tries = 300)
    void an_order_body_of_any_shape_is_answered_without_a_5xx(@ForAll("orderBodies") String body, @ForAll("contentTypes") String type) {
        check(send("POST", "order-service", "/orders", body, type, Tokens.shopper("fuzz"), Map.of("Idempotency-Key", "fuzz-key-0001")));
    }

    @Property(tries = 300)
    void a_product_body_of_any_shape_is_answered_without_a_5xx(@ForAll("productBodies") String body) {
        check(send("POST", "inventory-service", "/products", body, "application/json", Tokens.admin("fuzz"), Map.of()));
    }

    @Property(tries = 300)
    void any_path_on_any_service_is_answered_without_a_5xx(@ForAll("services") String service, @ForAll("methods") String method,
            @ForAll("paths") String path) {
        check(send(method, service, path, "{}", "application/json", Tokens.admin("fuzz"), Map.of()));
    }

    // Found by the properties above once each, and kept as examples: a request target and a header the HTTP decoder
    // refuses (no body: below the services' code), a year no timestamp column holds.
    @Example
    void the_inputs_the_fuzzing_found_stay_answered() {
        Answer slashes = send("GET", "order-service", "//", null, null, Tokens.shopper("fuzz"), Map.of());
        assertThat(decoderRefusal(slashes)).as(slashes.toString()).isTrue();
        Answer header = send("POST", "order-service", "/orders", "{}", "application/json", null,
                Map.of("Authorization", "Bearer " + "x".repeat(30_000), "Idempotency-Key", "fuzz-key-0001"));
        assertThat(header.status()).isEqualTo(431);
        assertThat(decoderRefusal(header)).as(header.toString()).isTrue();
        check(send("GET", "analytics-service", "/analytics/sales?asOf=%2B300000-01-01T00%3A00%3A00Z", null, null, Tokens.admin("fuzz"),
                Map.of()));
    }

    @Property(tries = 200)
    void any_asOf_and_range_is_answered_without_a_5xx(@ForAll("queries") String query) {
        check(send("GET", "analytics-service", query, null, null, Tokens.admin("fuzz"), Map.of()));
    }

    @Property(tries = 200)
    void any_header_is_answered_without_a_5xx(@ForAll("headerValues") String key, @ForAll("headerValues") String authorization) {
        check(send("POST", "order-service", "/orders", "{\"lines\":[{\"sku\":\"NOPE\",\"quantity\":1}]}", "application/json", null,
                Map.of("Idempotency-Key", key, "Authorization", authorization)));
    }

    // ---- what must hold -------------------------------------------------------------------------

    private record Answer(String request, int status, String contentType, String body) {
    }

    // Requests the HTTP server refuses while decoding them, before any router or service code runs: a request target
    // it cannot take (400 for `//` or a lone `%`), a request line or headers over its limits (414, 431). They come
    // without a body or a content type; no problem document is possible there, and none is asked for. Every answer
    // of the services' own code has a body.
    private static final List<Integer> DECODER_REFUSALS = List.of(400, 414, 431);

    private static boolean decoderRefusal(Answer answer) {
        return DECODER_REFUSALS.contains(answer.status()) && answer.body().isEmpty() && answer.contentType().isEmpty();
    }

    private static void check(Answer answer) {
        assertThat(answer.status()).as("%s answered %d: %s", answer.request(), answer.status(), answer.body()).isLessThan(500);
        if (answer.status() >= 400 && !decoderRefusal(answer)) {
            assertThat(answer.contentType()).as("%s answered %d without a problem document", answer.request(), answer.status())
                    .startsWith("application/problem+json");
        } else if (answer.status() < 300 && (answer.request().startsWith("POST order-service /orders")
                || answer.request().startsWith("POST inventory-service /products"))) {
            // What the store may hold for it: the product's sku or the order's id.
            Matcher id = ACCEPTED_ID.matcher(answer.body());
            assertThat(id.find()).as("an accepted %s names what it made: %s", answer.request(), answer.body()).isTrue();
            accepted.add(id.group(2));
        }
    }

    private static final Pattern ACCEPTED_ID = Pattern.compile("\"(id|sku)\"\\s*:\\s*\"([^\"]+)\"");

    private static Answer send(String method, String service, String path, String body, String type, String token, Map<String, String> headers) {
        String request = method + " " + service + " " + path;
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(shop.url(service) + path)).timeout(Duration.ofSeconds(20))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (type != null && !type.isEmpty()) {
                builder.header("Content-Type", type);
            }
            if (token != null) {
                builder.header("Authorization", "Bearer " + token);
            }
            headers.forEach(builder::header);
            HttpResponse<String> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(request + " " + headers, response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (IllegalArgumentException unsendable) {
            // A header or path the HTTP client itself refuses to send never reaches the service.
            return new Answer(request, 400, "application/problem+json", "not sendable: " + unsendable.getMessage());
        } catch (Exception e) {
            throw new AssertionError(request + " failed: " + e, e);
        }
    }

    private static List<String> streamsInStore() throws SQLException {
        try (var connection = DriverManager.getConnection(LocalPostgres.jdbcUrl(RunningShop.DATABASE), LocalPostgres.USER, LocalPostgres.PASSWORD);
             var rows = connection.createStatement().executeQuery("select distinct stream_id from event_store.events")) {
            List<String> streams = new ArrayList<>();
            while (rows.next()) {
                streams.add(rows.getString(1));
            }
            return streams;
        }
    }

    // ---- inputs ---------------------------------------------------------------------------------

    /** A JSON value of any kind, including the odd ones: fractions, huge numbers, control characters, deep nesting. */
    private static Arbitrary<String> values() {
        Arbitrary<String> numbers = Arbitraries.oneOf(
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.of("12.99", "1.9", "-0.0", "1e309", "-1e400", "1E2", "0.1e1", "99999999999999999999999", "NaN", "Infinity", "-", "01"));
        Arbitrary<String> strings = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40).map(EdgeFuzzTest::quote),
                Arbitraries.of("\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\u202e\"", "\"EUR\"", "\"XYZ\"", "\"eur\"", "\"MUG-1\"",
                        "\"%00\"", "\"../../etc\"", "\"" + "x".repeat(5000) + "\""));
        Arbitrary<String> scalars = Arbitraries.oneOf(numbers, strings, Arbitraries.of("true", "false", "null", "", "[", "{", "}"));
        return Arbitraries.oneOf(scalars, scalars.list().ofMaxSize(3).map(list -> "[" + String.join(",", list) + "]"),
                Combinators.combine(strings, scalars).as((k, v) -> "{" + k + ":" + v + "}"));
    }

    @Provide
    Arbitrary<String> orderBodies() {
        Arbitrary<String> line = Combinators.combine(values(), values()).as((sku, quantity) -> "{\"sku\":" + sku + ",\"quantity\":" + quantity + "}");
        return Arbitraries.oneOf(
                line.list().ofMaxSize(3).map(lines -> "{\"lines\":[" + String.join(",", lines) + "]}"),
                values().map(v -> "{\"lines\":" + v + "}"),
                Combinators.combine(values(), values()).as((k, v) -> "{\"lines\":[{\"sku\":\"NOPE-1\",\"quantity\":1}]," + quote(k) + ":" + v + "}"),
                values(),
                Arbitraries.strings().ofMaxLength(200));
    }

    @Provide
    Arbitrary<String> productBodies() {
        return Combinators.combine(values(), values(), values(), values(), values()).as((sku, name, amount, currency, stock) ->
                "{\"sku\":" + sku + ",\"name\":" + name + ",\"price\":{\"amount\":" + amount + ",\"currency\":" + currency
                        + "},\"initialStock\":" + stock + "}");
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.of("application/json", "application/json; charset=latin1", "text/plain", "application/xml", "",
                "application/problem+json", "multipart/form-data; boundary=x", "application/json;;;");
    }

    @Provide
    Arbitrary<String> services() {
        return Arbitraries.of(RunningShop.SERVICES);
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("orders", "products", "admin", "subscribers", "dead-letters", "redrive", "skip", "rebuild", "reposition",
                        "analytics", "sales", "funnel", "rejections", "revenue", "q", "openapi", "cancel", "price", "restock"),
                Arbitraries.of("%20", "%25", "%00", "%2F", "%ZZ", "%e2%80%ae", "..", ".", "%2e%2e", "x%0Ay", "\u00e9", "00000000-0000-0000-0000-000000000000",
                        "not-a-uuid", "order.saga", "analytics.sales.g999", "-1", "99999999999999999999"),
                Arbitraries.strings().alpha().numeric().withChars("-._~%").ofMaxLength(30));
        return segment.list().ofMinSize(1).ofMaxSize(5).map(parts -> "/" + String.join("/", parts));
    }

    @Provide
    Arbitrary<String> queries() {
        Arbitrary<String> times = Arbitraries.oneOf(
                Arbitraries.of("+300000-01-01T00:00:00Z", "-999999999-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "position:1:1",
                        "position:-1:-1", "position:99999999999999999999:1", "position:", "now", "", "%00", "1970-01-01T00:00:00Z",
                        "2026-12-02T10:00:00+14:00", "9999-12-31T23:59:59.999999999Z"),
                Arbitraries.strings().ofMaxLength(30));
        Arbitrary<String> path = Arbitraries.of("/analytics/sales", "/analytics/funnel", "/analytics/rejections", "/analytics/revenue");
        return Combinators.combine(path, times, times, Arbitraries.of("hour", "day", "week", "fortnight", "", "%00"))
                .as((p, asOf, from, bucket) -> p + "?asOf=" + encode(asOf) + "&from=" + encode(from) + "&to=" + encode(asOf) + "&bucket=" + bucket);
    }

    @Provide
    Arbitrary<String> headerValues() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(200),
                Arbitraries.of("Bearer", "Bearer ", "Bearer a.b.c", "Basic Zm9vOmJhcg==", "Bearer " + "x".repeat(10_000), "bearer %00",
                        "fuzz-key-0001", "k".repeat(129)));
    }

    private static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
