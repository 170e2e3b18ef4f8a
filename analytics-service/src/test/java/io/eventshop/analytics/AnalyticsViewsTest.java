package io.eventshop.analytics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import io.eventshop.broker.BrokerConnection;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.OwnerStore;
import io.eventshop.testing.Tokens;
import io.eventshop.wire.Exchanges;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The analytics views against the store they are built from: after a mixed workload they answer what a
 * reference computed straight from the store's rows answers, now and as of earlier moments; a rebuild
 * gives the same rows; a rebuild while orders keep coming misses nothing, doubles nothing and never
 * stops answering; a view whose tables are dropped builds itself again; a rebuild that meets poison
 * waits for an operator's decision while the live copy serves, continues after a skip, and later
 * rebuilds pass over the skipped event by themselves.
 */
@QuarkusTest
@WithTestResource(FreshAnalyticsDatabase.class)
class AnalyticsViewsTest {

    // On the management port: http://<host>:<port>/q/health.
    @TestHTTPResource(value = "health", management = true)
    URL health;

    private static final List<String> VIEWS = List.of("sales", "funnel", "rejections", "revenue");

    // Plays the other services' writers: the service's own role may append only its own categories.
    final EventStore store = OwnerStore.on(FreshAnalyticsDatabase.NAME);

    /** The four answers at a moment, and where the store stood. */
    record Moment(Checkpoint position, Instant time, Reference.Answers answers) {
    }

    @Test
    void views_equal_the_reference_live_rebuilt_and_as_of_earlier_moments() throws Exception {
        Workload workload = new Workload(store, 42);
        workload.addProducts();
        workload.orders(40);
        Moment first = settle();
        workload.changePricesAndRestock();
        workload.orders(40);
        Moment second = settle();

        // Now: the live views equal the reference computed from the store's rows.
        List<Reference.Row> rows = Reference.read(FreshAnalyticsDatabase.NAME);
        assertThat(second.answers()).isEqualTo(Reference.compute(rows, row -> true));
        assertThat(first.answers()).isEqualTo(Reference.compute(rows, Reference.upToPosition(first.position().transactionId(),
                first.position().globalPosition())));

        // A rebuild from an empty start gives the very same rows.
        for (String view : VIEWS) {
            List<String> before = tableRows(view);
            int generation = rebuildAndWait(view);
            assertThat(tableRows(view)).as(view + " rebuilt (generation " + generation + ") row for row").isEqualTo(before);
        }

        // As of a position and as of a time, the answers given at those moments; before the first event, nothing.
        for (Moment moment : List.of(first, second)) {
            assertThat(answers(moment.position().toString())).isEqualTo(moment.answers());
            assertThat(answers(moment.time().toString())).isEqualTo(moment.answers());
        }
        assertThat(answers("2020-01-01T00:00:00Z")).isEqualTo(new Reference.Answers(List.of(), List.of("0|0|0|0"), List.of(), List.of(), List.of()));

        // A rebuild while orders keep coming: nothing missed or applied twice, and every query answered meanwhile.
        AtomicBoolean flowing = new AtomicBoolean(true);
        List<String> troubles = new CopyOnWriteArrayList<>();
        Thread orders = Thread.ofVirtual().start(() -> {
            while (flowing.get()) {
                workload.order();
            }
        });
        Thread queries = Thread.ofVirtual().start(() -> {
            long placedBefore = 0;
            while (flowing.get()) {
                Response funnel = admin().get("/analytics/funnel");
                Response sales = admin().get("/analytics/sales");
                if (funnel.statusCode() != 200 || sales.statusCode() != 200) {
                    troubles.add("answered " + funnel.statusCode() + "/" + sales.statusCode() + " during the rebuild");
                    continue;
                }
                long placed = funnel.jsonPath().getLong("placed");
                if (placed < placedBefore) {
                    troubles.add("placed went back from " + placedBefore + " to " + placed + ": a half-built answer");
                }
                placedBefore = placed;
            }
        });
        admin().post(rebuild("sales")).then().statusCode(202);
        admin().post(rebuild("funnel")).then().statusCode(202);
        awaitSwitched("sales");
        awaitSwitched("funnel");
        flowing.set(false);
        orders.join();
        queries.join();
        assertThat(troubles).isEmpty();
        Moment after = settle();
        assertThat(after.answers()).isEqualTo(Reference.compute(Reference.read(FreshAnalyticsDatabase.NAME), row -> true));

        // Tables dropped under the running service: the view builds itself again, with the same answers.
        given().get(health + "/ready").then().statusCode(200);
        String schema = liveSchema("rejections");
        executeSql("drop schema " + schema + " cascade");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(liveSchema("rejections")).isNotEqualTo(schema));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(answers(null)).isEqualTo(after.answers()));

        // A new definition of a view (here the live copy claims an older one): a copy of the new definition
        // replays beside it and takes over; meanwhile this replica, of the new definition, answers 503.
        int funnelBefore = status("funnel").getInt("rebuild.liveGeneration");
        executeSql("update event_store.view_generations set definition_version = 0 where view = 'analytics.funnel' and role = 'LIVE'");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> admin().get(subscriber("funnel")).then()
                .body("rebuild.state", equalTo("SWITCHED")).body("rebuild.liveGeneration", org.hamcrest.Matchers.greaterThan(funnelBefore)));
        assertThat(answers(null)).isEqualTo(after.answers());

        // Poison in the store: each live copy parks it; a rebuild meets it too and waits for a decision,
        // while the live copy keeps serving.
        String poisonStream = "order-" + UUID.randomUUID();
        executeSql("insert into event_store.events (event_id, stream_id, category, stream_version, type, schema_version, data, metadata,"
                + " occurred_at) values (gen_random_uuid(), '" + poisonStream + "', 'order', 1, 'io.eventshop.order.exploded', 1, '{}',"
                + " '{\"source\":\"test\"}', now())");
        int live = status("revenue").getInt("rebuild.liveGeneration");
        await().atMost(Duration.ofSeconds(30)).until(() -> openDeadLetters("revenue").size() == 1);
        // The checkpoint has passed the poison, the view has not: asked as of the store's head, it says so.
        Checkpoint afterPoison = store.head().await().atMost(Duration.ofSeconds(10));
        admin().get("/analytics/revenue?asOf=" + afterPoison).then().statusCode(409)
                .body("detail", org.hamcrest.Matchers.containsString("has not applied the store up to"));
        admin().post(rebuild("revenue")).then().statusCode(202);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> admin().get(subscriber("revenue")).then()
                .body("rebuild.state", equalTo("WAITING")).body("rebuild.liveGeneration", equalTo(live))
                .body("rebuild.waitingFor.streamId", equalTo(poisonStream))
                .body("rebuild.waitingFor.reason", org.hamcrest.Matchers.containsString("io.eventshop.order.exploded")));
        assertThat(answers(null)).isEqualTo(after.answers());

        // The operator skips the live copy's dead letter: the same event is skipped in the rebuild too, which goes on and switches.
        long livesLetter = openDeadLetters("revenue").stream().filter(letter -> letter.get("subscriber").equals("analytics.revenue.g" + live))
                .mapToLong(letter -> ((Number) letter.get("id")).longValue()).findFirst().orElseThrow();
        admin().post("/admin/dead-letters/" + livesLetter + "/skip").then().statusCode(200).body("deadLetter.status", equalTo("SKIPPED"));
        int afterDecision = awaitSwitched("revenue");
        assertThat(afterDecision).isGreaterThan(live);
        assertThat(openDeadLetters("revenue")).isEmpty();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> admin().get("/analytics/revenue?asOf=" + afterPoison).then()
                .statusCode(200));

        // The next rebuild meets the skipped event again and passes over it by itself, recording why.
        assertThat(rebuildAndWait("revenue")).isGreaterThan(afterDecision);
        admin().get("/admin/dead-letters?status=SKIPPED&subscriber=analytics.revenue.g" + status("revenue").getInt("rebuild.liveGeneration"))
                .then().statusCode(200).body("size()", equalTo(1)).body("[0].streamId", equalTo(poisonStream))
                .body("[0].reason", startsWith("skipped: dead letter " + livesLetter + " of analytics.revenue skipped this event"));
        assertThat(answers(null)).isEqualTo(after.answers());
        // The other views' live copies park it too: skipped in bulk, so later rebuilds of any view pass over it.
        for (String view : List.of("sales", "funnel", "rejections")) {
            admin().contentType(io.restassured.http.ContentType.JSON)
                    .body("{\"subscriber\":\"analytics." + view + "\",\"reasonContains\":\"io.eventshop.order.exploded\"}")
                    .post("/admin/dead-letters/skip").then().statusCode(200).body("resolved.size()", equalTo(1)).body("remaining", equalTo(0));
        }
    }

    @Test
    void sales_from_totals_and_buckets_equal_the_reference_as_of_every_event_and_after_events_applied_again() throws Exception {
        // Business time over several days, an event every few minutes, and now and then one that happened hours before the
        // events already in (late facts, cancellations of orders confirmed earlier among them); store positions over several
        // position buckets (the store's sequence jumps), a transaction whose positions lie after those of transactions
        // that come after it in the store's order, and one whose positions lie in two buckets (asked in the middle, the
        // second bucket is after the position though its transaction is the asked one).
        Random random = new Random(11);
        Instant[] now = {Instant.parse("2025-03-01T21:00:00Z")};
        Supplier<Instant> clock = () -> {
            now[0] = now[0].plusSeconds(60L * random.nextInt(50));
            return random.nextInt(8) == 0 ? now[0].minusSeconds(3600L * (1 + random.nextInt(5))) : now[0];
        };
        Workload workload = new Workload(store, 11, clock);
        workload.addProducts();
        Checkpoint from = store.head().await().atMost(Duration.ofSeconds(10));
        for (int i = 0; i < 6; i++) {
            workload.orders(12);
            workload.confirmedOrderAround(() -> {
                workload.orders(2);
                jumpPositions();
            });
        }
        workload.confirmedOrdersInOneTransaction(AnalyticsViewsTest::jumpToNextBucket);
        settle();

        List<Reference.Row> rows = Reference.read(FreshAnalyticsDatabase.NAME).stream().filter(row -> KNOWN.contains(row.type())).toList();
        assertThat(salesAnswer(null)).isEqualTo(Reference.compute(rows, row -> true).sales());
        List<String> asked = new ArrayList<>();
        Reference.Row previous = null;
        for (Reference.Row row : rows) {
            if (new Checkpoint(row.tx(), row.pos()).isAfter(from)) {
                asked.add("position:" + row.tx() + ":" + row.pos());
                asked.add(row.occurredAt().toString());
                Instant hour = row.occurredAt().truncatedTo(ChronoUnit.HOURS);
                asked.addAll(List.of(hour.toString(), hour.minusNanos(1000).toString(), hour.truncatedTo(ChronoUnit.DAYS).minusNanos(1000).toString()));
                if (row.type().equals("io.eventshop.order.cancelled") && previous != null) {
                    asked.add("position:" + previous.tx() + ":" + previous.pos());
                    asked.add(row.occurredAt().minusNanos(1000).toString());
                }
            }
            previous = row;
        }
        for (String asOf : asked.stream().distinct().toList()) {
            Predicate<Reference.Row> included = asOf.startsWith("position:")
                    ? Reference.upToPosition(Checkpoint.parse(asOf).transactionId(), Checkpoint.parse(asOf).globalPosition())
                    : Reference.upToTime(Instant.parse(asOf));
            assertThat(salesAnswer(asOf)).as("sales as of " + asOf).isEqualTo(Reference.compute(rows, included).sales());
        }

        // Every event applied again, in order: the facts are set to what they were, and nothing is added twice.
        admin().contentType(io.restassured.http.ContentType.JSON).body("{\"from\":\"beginning\"}")
                .post(subscriber("sales") + "/reposition").then().statusCode(200);
        Checkpoint head = store.head().await().atMost(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(60)).until(() -> admin().get("/analytics/sales?asOf=" + head).statusCode() == 200);
        assertThat(salesAnswer(null)).isEqualTo(Reference.compute(rows, row -> true).sales());
        for (String asOf : List.of(asked.get(asked.size() / 3), asked.get(asked.size() / 2), asked.get(asked.size() / 2 + 1))) {
            Predicate<Reference.Row> included = asOf.startsWith("position:")
                    ? Reference.upToPosition(Checkpoint.parse(asOf).transactionId(), Checkpoint.parse(asOf).globalPosition())
                    : Reference.upToTime(Instant.parse(asOf));
            assertThat(salesAnswer(asOf)).as("sales as of " + asOf + " after the reposition").isEqualTo(Reference.compute(rows, included).sales());
        }
    }

    private static final Set<String> KNOWN = Set.of("io.eventshop.product.added", "io.eventshop.product.price-changed",
            "io.eventshop.product.stock-replenished", "io.eventshop.order.placed", "io.eventshop.order.confirmed", "io.eventshop.order.rejected",
            "io.eventshop.order.cancelled");

    // The store's next positions start in a new position bucket of the sales view, a few events into it.
    private static void jumpPositions() {
        setPositionSequence("(select greatest(max(global_position), max(global_position) / 32768 * 32768 + 32768 - 3) from event_store.events)");
    }

    // The store's next position is in the next position bucket (its second). From the sequence, not from the events: an
    // open transaction's are not seen here.
    private static void jumpToNextBucket() {
        setPositionSequence("pg_sequence_last_value(pg_get_serial_sequence('event_store.events', 'global_position')::regclass) / 32768 * 32768 + 32768");
    }

    private static void setPositionSequence(String value) {
        try {
            executeSql("select setval(pg_get_serial_sequence('event_store.events', 'global_position'), " + value + ")");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> salesAnswer(String asOf) {
        return salesLines(ok("/analytics/sales" + (asOf == null ? "" : "?asOf=" + asOf)));
    }

    @Test
    void a_rebuild_is_one_at_a_time_and_its_progress_is_shown() throws Exception {
        awaitReady();
        admin().post("/admin/subscribers/analytics.nope/rebuild").then().statusCode(404).contentType(startsWith("application/problem+json"));
        // A query holding the live copy open keeps the switch-over waiting (it locks the query relations), so the
        // rebuild is surely still running when it is asked for a second time.
        try (var reader = db()) {
            reader.setAutoCommit(false);
            try (var sql = reader.createStatement()) {
                sql.executeQuery("select count(*) from analytics.rejections_lines").close();
            }
            admin().post(rebuild("rejections")).then().statusCode(202)
                    .header("Location", org.hamcrest.Matchers.endsWith(subscriber("rejections")))
                    .body("state", org.hamcrest.Matchers.oneOf("REPLAYING", "CATCHING_UP")).body("eventsTotal", org.hamcrest.Matchers.notNullValue());
            admin().post(rebuild("rejections")).then().statusCode(409).contentType(startsWith("application/problem+json"))
                    .body("detail", startsWith("a rebuild of analytics.rejections is running already"));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> admin().get(subscriber("rejections")).then()
                    .body("rebuild.state", equalTo("CATCHING_UP")).body("rebuild.etaSeconds", equalTo(0)));
            String shadow = "analytics.rejections.g" + status("rejections").getInt("rebuild.generation");
            await().atMost(Duration.ofSeconds(30)).until(() -> String.valueOf(given().get(health + "/well").jsonPath()
                    .getMap("checks.find { it.name == 'Event subscribers' }.data").get(shadow)).startsWith("LIVE"));
            // Junk on the order exchange: both copies record it as a dead letter of no event; it holds nothing back.
            try (var channel = io.quarkus.arc.Arc.container().instance(BrokerConnection.class).get().get().createChannel()) {
                channel.basicPublish(Exchanges.forCategory("order"), "", null,
                        "not an event".getBytes(StandardCharsets.UTF_8));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> admin().get("/admin/dead-letters?subscriber=analytics.rejections").jsonPath()
                    .getList("reason", String.class).stream().filter(reason -> reason.startsWith("undecodable")).count() == 2);
            admin().post(rebuild("rejections")).then().statusCode(409);
            reader.commit();
        }
        awaitSwitched("rejections");
        admin().get(subscriber("rejections")).then().body("rebuild.state", equalTo("SWITCHED"))
                .body("rebuild.eventsApplied", equalTo(status("rejections").getInt("rebuild.eventsApplied")));
    }

    @Test
    void bad_questions_are_answered_with_problems() {
        awaitReady();
        admin().get("/analytics/sales?asOf=yesterday").then().statusCode(400).contentType(startsWith("application/problem+json"))
                .body("errors.field", hasItem("asOf"));
        admin().get("/analytics/funnel?asOf=position:1:x").then().statusCode(400).body("errors.field", hasItem("asOf"));
        admin().get("/analytics/revenue?bucket=week").then().statusCode(400).body("errors.field", hasItem("bucket"));
        admin().get("/analytics/revenue?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z").then().statusCode(400)
                .body("errors.field", hasItem("to"));
        admin().get("/analytics/revenue?from=soon").then().statusCode(400).body("errors.field", hasItem("from"));
        admin().get("/analytics/rejections?asOf=position:999999999:1").then().statusCode(409);
        given().get("/analytics/sales").then().statusCode(401);
        given().auth().oauth2(Tokens.shopper("alice")).get("/analytics/sales").then().statusCode(403);
        given().auth().oauth2(Tokens.shopper("alice")).post(rebuild("sales")).then().statusCode(403);
    }

    @Test
    void the_api_document_shows_every_analytics_endpoint_with_its_errors() {
        JsonPath api = admin().get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();
        for (String path : List.of("/analytics/sales", "/analytics/funnel", "/analytics/rejections", "/analytics/revenue")) {
            assertThat(api.getMap("paths.'" + path + "'.get.responses")).as(path).containsKeys("200", "400", "401", "403", "409", "503");
            assertThat(api.getList("paths.'" + path + "'.get.parameters.name", String.class)).as(path).contains("asOf");
        }
        assertThat(api.getMap("paths.'/admin/subscribers/{name}/rebuild'")).containsKeys("post", "delete");
        assertThat(api.getMap("paths.'/admin/subscribers/{name}/rebuild'.post.responses")).containsKeys("202", "404", "409");
        assertThat(api.getMap("paths.'/admin/subscribers/{name}/reposition'.post.responses")).containsKeys("200", "400", "409");
        assertThat(api.getMap("components.securitySchemes")).containsKey("bearer");
    }

    // --- helpers --------------------------------------------------------------------------------

    private static io.restassured.specification.RequestSpecification admin() {
        return given().auth().oauth2(Tokens.admin("ops"));
    }

    private static void awaitReady() {
        await().atMost(Duration.ofSeconds(60)).until(() -> VIEWS.stream().allMatch(view -> admin().get("/analytics/" + view).statusCode() == 200));
    }

    // Waits until every view has applied the store's head, then records the moment and the answers.
    private Moment settle() throws InterruptedException {
        awaitReady();
        Checkpoint head = store.head().await().atMost(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(60)).until(() -> VIEWS.stream()
                .allMatch(view -> admin().get("/analytics/" + view + "?asOf=" + head).statusCode() == 200));
        Thread.sleep(5);
        Instant time = Instant.now();
        Thread.sleep(5);
        return new Moment(head, time, answers(null));
    }

    static Reference.Answers answers(String asOf) {
        String query = asOf == null ? "" : "?asOf=" + asOf;
        List<String> salesLines = salesLines(ok("/analytics/sales" + query));
        JsonPath funnel = ok("/analytics/funnel" + query);
        JsonPath rejections = ok("/analytics/rejections" + query);
        JsonPath revenue = ok("/analytics/revenue" + (query.isEmpty() ? "?" : query + "&") + "bucket=day");
        List<String> reasons = new ArrayList<>();
        for (Map<String, Object> r : rejections.<Map<String, Object>>getList("byReason")) {
            reasons.add(r.get("reason") + "|" + r.get("orders"));
        }
        List<String> skus = new ArrayList<>();
        for (Map<String, Object> r : rejections.<Map<String, Object>>getList("bySku")) {
            skus.add(r.get("reason") + "|" + r.get("sku") + "|" + r.get("orders") + "|" + r.get("unitsRequested"));
        }
        List<String> buckets = new ArrayList<>();
        for (Map<String, Object> b : revenue.<Map<String, Object>>getList("buckets")) {
            Map<?, ?> money = (Map<?, ?>) b.get("revenue");
            buckets.add(b.get("start") + "|" + money.get("currency") + "|" + money.get("amount") + "|" + b.get("confirmed") + "|" + b.get("cancelled"));
        }
        return new Reference.Answers(salesLines, List.of(funnel.getLong("placed") + "|" + funnel.getLong("confirmed") + "|"
                + funnel.getLong("rejected") + "|" + funnel.getLong("cancelled")), reasons, skus, buckets);
    }

    private static List<String> salesLines(JsonPath sales) {
        List<String> lines = new ArrayList<>();
        for (Map<String, Object> p : sales.<Map<String, Object>>getList("products")) {
            Map<?, ?> money = (Map<?, ?>) p.get("revenue");
            lines.add(p.get("sku") + "|" + p.get("name") + "|" + money.get("currency") + "|" + p.get("units") + "|" + money.get("amount")
                    + "|" + p.get("orders"));
        }
        return lines;
    }

    private static JsonPath ok(String path) {
        Response response = admin().get(path);
        assertThat(response.statusCode()).as(path + ": " + response.asString()).isEqualTo(200);
        return response.jsonPath();
    }

    private static String subscriber(String view) {
        return "/admin/subscribers/analytics." + view;
    }

    private static String rebuild(String view) {
        return subscriber(view) + "/rebuild";
    }

    private static JsonPath status(String view) {
        return admin().get(subscriber(view)).then().statusCode(200).extract().jsonPath();
    }

    private static List<Map<String, Object>> openDeadLetters(String view) {
        return admin().get("/admin/dead-letters?subscriber=analytics." + view).then().statusCode(200).extract().jsonPath().getList("");
    }

    private static int rebuildAndWait(String view) {
        admin().post(rebuild(view)).then().statusCode(202);
        return awaitSwitched(view);
    }

    private static int awaitSwitched(String view) {
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> admin().get(subscriber(view)).then()
                .body("rebuild.state", equalTo("SWITCHED")));
        return status(view).getInt("rebuild.liveGeneration");
    }

    private static List<String> tableRows(String view) throws Exception {
        List<String> all = new ArrayList<>();
        try (var connection = db();
             var sql = connection.createStatement();
             var tables = sql.executeQuery("select viewname from pg_views where schemaname = 'analytics' and viewname like '" + view
                     + "\\_%' order by viewname")) {
            List<String> names = new ArrayList<>();
            while (tables.next()) {
                names.add(tables.getString(1));
            }
            for (String name : names) {
                try (var rows = sql.executeQuery("select t::text from analytics." + name + " t order by t::text")) {
                    while (rows.next()) {
                        all.add(name + " " + rows.getString(1));
                    }
                }
            }
        }
        return all;
    }

    private static String liveSchema(String view) throws Exception {
        try (var connection = db();
             var sql = connection.createStatement();
             var row = sql.executeQuery("select 'analytics_" + view + "_g' || generation from event_store.view_generations"
                     + " where view = 'analytics." + view + "' and role = 'LIVE' and ready")) {
            return row.next() ? row.getString(1) : "";
        }
    }

    private static Connection db() throws SQLException {
        return DriverManager.getConnection(LocalPostgres.jdbcUrl(FreshAnalyticsDatabase.NAME),
                LocalPostgres.USER, LocalPostgres.PASSWORD);
    }

    private static void executeSql(String statement) throws Exception {
        try (var connection = db();
             var sql = connection.createStatement()) {
            sql.execute(statement);
        }
    }
}
