package io.eventshop.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventshop.analytics.Reference;
import io.eventshop.testing.LocalRabbitMq;
import io.eventshop.testing.Tokens;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The chaos suite (issue 15, docs/chaos.md): two replicas of every service under a shop's load while a seeded
 * schedule of faults runs, then the invariants that say nothing was lost, doubled or oversold, and the figures.
 * {@code deploy/chaos/run [--full|--short] [--seed N] [--async-standby] [--local]}; exits 1 when an invariant fails.
 */
public final class ChaosSuite {

    /** How to run: the full schedule or the short one, the seed, the standby's mode, which topology. */
    public record Options(boolean full, long seed, boolean asyncStandby, boolean local) {

        static Options parse(String... args) {
            boolean full = false;
            boolean async = false;
            boolean local = false;
            long seed = new Random().nextInt(1_000_000);
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--full" -> full = true;
                    case "--short" -> full = false;
                    case "--async-standby" -> async = true;
                    case "--local" -> local = true;
                    case "--seed" -> seed = Long.parseLong(args[++i]);
                    default -> throw new IllegalArgumentException("usage: [--full|--short] [--seed N] [--async-standby] [--local]; not " + args[i]);
                }
            }
            return new Options(full, seed, async, local);
        }
    }

    /** The outcome: every check, each shown failing on data broken for it (once all held), and whether all was well. */
    public record Verdict(List<Invariants.Check> checks, List<Damage.Shown> shown) {
        public boolean passed() {
            return checks.stream().allMatch(Invariants.Check::holds) && shown.stream().allMatch(Damage.Shown::convincing);
        }
    }

    static final List<String> SERVICES = List.of("order-service", "inventory-service", "analytics-service");
    private static final List<String> VIEWS = List.of("sales", "funnel", "rejections", "revenue");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SKUS = 8;
    // Generous: six JVMs start at once, and a shared 2-core machine took almost 4 minutes for them.
    private static final Duration STARTUP = Duration.ofMinutes(6);
    // Past the relay's lock timeout (10 s: Postgres ends the paused leader's session) and the AMQP heartbeat
    // timeout (60 s, the client's default: the broker closes its connections and requeues what it held).
    private static final Duration PAUSE = Duration.ofSeconds(75);
    // Both analytics replicas may be down when it is asked for (killed, then starting through a failover).
    private static final Duration MID_RUN_REBUILD_ASKED_FOR = Duration.ofMinutes(3);

    private ChaosSuite() {
    }

    public static void main(String[] args) throws Exception {
        Verdict verdict = run(Options.parse(args));
        System.out.println(verdict.passed() ? "chaos suite PASSED" : "chaos suite FAILED");
        System.exit(verdict.passed() ? 0 : 1);
    }

    public static Verdict run(Options options) throws Exception {
        Path root = LocalRabbitMq.repositoryRoot();
        Path logs = root.resolve("system-tests/target/chaos");
        Files.createDirectories(logs);
        System.out.printf("eventshop chaos suite, %s mode, seed %d%s, %s, %d cores, load average %.1f%n", options.full() ? "full" : "short",
                options.seed(), options.asyncStandby() ? ", ASYNCHRONOUS standby" : "", Instant.now(), Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.println("(repeat with: deploy/chaos/run " + (options.full() ? "--full" : "--short") + " --seed " + options.seed()
                + (options.asyncStandby() ? " --async-standby" : "") + (options.local() ? " --local" : "") + ")");
        Instant started = Instant.now();
        try (Topology topology = startTopology(options, root)) {
            System.out.println("topology: " + topology.name() + ", up in " + Duration.between(started, Instant.now()).toSeconds() + " s");
            Map<String, List<Replica>> replicas = replicas(root, logs, topology, options);
            // An interrupted run (Ctrl-C, a build's timeout) leaves no replica behind.
            Thread stopReplicas = new Thread(() -> replicas.values().forEach(list -> list.forEach(Replica::close)));
            Runtime.getRuntime().addShutdownHook(stopReplicas);
            try (Frontends frontends = new Frontends(topology, replicas)) {
                startReplicas(replicas);
                System.out.println("replicas ready " + Duration.between(started, Instant.now()).toSeconds() + " s after the start; logs in " + logs);
                return exercise(options, topology, replicas, frontends);
            } finally {
                Runtime.getRuntime().removeShutdownHook(stopReplicas);
                stopReplicas.run();
            }
        }
    }

    private static Topology startTopology(Options options, Path root) throws IOException, InterruptedException {
        if (options.local()) {
            if (options.asyncStandby()) {
                throw new IllegalArgumentException("--async-standby needs the cluster topology: the local one has no standby");
            }
            return LocalTopology.start(SERVICES, 2);
        }
        return ClusterTopology.start(root, options.asyncStandby());
    }

    private static Map<String, List<Replica>> replicas(Path root, Path logs, Topology topology, Options options) {
        Map<String, String> environment = new HashMap<>(topology.serviceEnvironment());
        environment.put("QUARKUS_PROFILE", "local"); // the dev credentials deploy/local/infra sets; prod would refuse them
        environment.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", "file:" + root.resolve("common-events/src/test/resources/jwt/test-public.pem"));
        environment.put("EVENTSHOP_SUBSCRIBER_CATCH_UP_INTERVAL", "1s");
        // The saga's deadline, short enough that an order whose reservation never comes is decided within the run.
        environment.put("EVENTSHOP_ORDERS_RESERVATION_DEADLINE", options.full() ? "60s" : "30s");
        environment.put("EVENTSHOP_ORDERS_DEADLINE_CHECK_INTERVAL", "2s");
        // Start-up migrations take a JDBC connection; on a loaded machine the default 5 s wait for one ended a start.
        environment.put("QUARKUS_DATASOURCE_JDBC_ACQUISITION_TIMEOUT", "60s");
        environment.put("QUARKUS_DATASOURCE_EVENTSTORE_JDBC_ACQUISITION_TIMEOUT", "60s");
        Map<String, List<Replica>> replicas = new LinkedHashMap<>();
        for (String service : SERVICES) {
            List<Replica> list = new ArrayList<>();
            List<int[]> ports = topology.replicaPorts(service);
            for (int n = 0; n < ports.size(); n++) {
                list.add(new Replica(root, service, n + 1, ports.get(n)[0], ports.get(n)[1], environment, logs));
            }
            replicas.put(service, list);
        }
        return replicas;
    }

    // The first replica of each service migrates its schema; the second starts once that is done.
    private static void startReplicas(Map<String, List<Replica>> replicas) throws IOException, InterruptedException {
        for (List<Replica> list : replicas.values()) {
            list.getFirst().start();
        }
        for (List<Replica> list : replicas.values()) {
            list.getFirst().awaitReady(STARTUP);
        }
        for (List<Replica> list : replicas.values()) {
            for (Replica replica : list.subList(1, list.size())) {
                replica.start();
            }
        }
        for (List<Replica> list : replicas.values()) {
            for (Replica replica : list) {
                replica.awaitReady(STARTUP);
            }
        }
    }

    private static Verdict exercise(Options options, Topology topology, Map<String, List<Replica>> replicas, Frontends frontends)
            throws Exception {
        Ledger ledger = new Ledger();
        List<String> skus = stock(frontends, options.seed());
        Load.Shape shape = options.full()
                ? new Load.Shape(8, Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofMillis(1500), Duration.ofSeconds(90))
                : new Load.Shape(6, Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofMillis(1500), Duration.ofSeconds(60));
        Load load = new Load(frontends, ledger, skus, shape, options.seed());
        Map<String, Integer> counts = new LinkedHashMap<>();
        replicas.forEach((service, list) -> counts.put(service, list.size()));
        Schedule schedule = Schedule.of(options.seed(), options.full(), options.asyncStandby(), topology.infrastructureFaults(), counts);
        System.out.println("schedule (" + schedule.steps().size() + " faults): " + schedule.steps());
        if (!schedule.leftOut().isEmpty()) {
            System.out.println("left out (the topology cannot inject them): " + schedule.leftOut());
        }
        Invariants invariants = new Invariants(topology);
        List<Figures.Phase> phases = new ArrayList<>();
        List<FaultInjector.Injected> faults;
        PlantedMessages planted;
        try (PositionWatch watch = new PositionWatch(topology)) {
            Instant baselineStart = Instant.now();
            load.run("fault-free", options.full() ? Duration.ofSeconds(120) : Duration.ofSeconds(20), Integer.MAX_VALUE, () -> true);
            phases.add(new Figures.Phase("fault-free", baselineStart, Instant.now()));
            planted = PlantedMessages.plant(topology.amqpUri(), options.seed());

            AtomicBoolean faulting = new AtomicBoolean(true);
            Instant faultStart = Instant.now();
            Thread traffic = Thread.ofPlatform().name("chaos-load").start(() -> {
                try {
                    load.run("faults", Duration.ofMinutes(30), Integer.MAX_VALUE, faulting::get);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            AtomicInteger midRunRebuild = new AtomicInteger(); // its answer's status once asked for (0: no answer)
            AtomicReference<Thread> askingForRebuild = new AtomicReference<>();
            FaultInjector injector = new FaultInjector(topology, replicas, PAUSE, Duration.ofSeconds(5), Duration.ofSeconds(30));
            try {
                faults = injector.run(schedule, () -> askingForRebuild.set(rebuildMidRun(load, midRunRebuild)));
                Thread.sleep(options.full() ? 20_000 : 5_000); // the load goes on a little after the last fault
            } finally {
                faulting.set(false);
                traffic.join();
            }
            phases.add(new Figures.Phase("faults", faultStart, Instant.now()));
            Duration settled = settle(invariants, Duration.ofSeconds(options.full() ? 180 : 90));
            System.out.println("settled " + settled.toSeconds() + " s after the load stopped");
            if (askingForRebuild.get() != null) {
                askingForRebuild.get().join(MID_RUN_REBUILD_ASKED_FOR); // its last answer, not one it is about to replace
            }
            List<Invariants.Check> checks = new ArrayList<>();
            checks.add(midRunRebuildSwitched(frontends, midRunRebuild.get()));
            checks.add(invariants.noLostOrders(ledger.placed()));
            checks.add(invariants.everyOrderDecided());
            checks.add(invariants.stockConserved());
            checks.add(invariants.subscribersLevel());
            checks.add(invariants.relaysAtHead());
            checks.add(invariants.onlyPlantedDeadLetters(planted));
            checks.add(invariants.orderingRule(watch.samples()));
            Reference.Answers live = AnalyticsAnswers.read(frontends);
            checks.add(invariants.viewsEqualReference(live));
            Reference.Answers rebuilt = rebuildAll(frontends);
            checks.add(invariants.viewsEqualRebuild(live, rebuilt));
            checks.add(Invariants.noFailureInRollingRestarts(faults, ledger));
            new Figures(invariants).print(phases, faults, schedule, ledger);
            System.out.println();
            System.out.println("== invariants ==");
            checks.forEach(System.out::println);
            List<Damage.Shown> shown = List.of();
            if (checks.stream().allMatch(Invariants.Check::holds)) {
                Instant damaging = Instant.now();
                shown = new ArrayList<>(Damage.showEach(invariants, ledger, planted, watch.samples(), faults, live, rebuilt));
                shown.add(new Damage.Shown("the mid-run rebuild's answer taken as 503 (no analytics replica up), in a copy",
                        "never accepted", midRunRebuildSwitched(frontends, 503), midRunRebuildSwitched(frontends, midRunRebuild.get())));
                System.out.println();
                System.out.println("== each invariant shown failing on data broken for it (" + Duration.between(damaging, Instant.now()).toMillis()
                        + " ms) ==");
                shown.forEach(System.out::println);
            }
            return new Verdict(checks, shown);
        }
    }

    private static List<String> stock(Frontends frontends, long seed) throws Exception {
        String admin = Tokens.admin("chaos-admin");
        List<String> skus = new ArrayList<>();
        Random random = new Random(seed);
        for (int i = 0; i < SKUS; i++) {
            String sku = "CHAOS-" + i;
            String body = "{\"sku\":\"%s\",\"name\":\"Chaos item %d\",\"price\":{\"amount\":%d,\"currency\":\"EUR\"},\"initialStock\":%d}"
                    .formatted(sku, i, 100 + random.nextInt(900), 100 + random.nextInt(200));
            Frontends.Answer answer = frontends.post("inventory-service", "/products", admin, null, body);
            if (answer.status() != 201) {
                throw new IllegalStateException("adding " + sku + " answered " + answer.status() + ": " + answer.body());
            }
            skus.add(sku);
        }
        String shopper = Tokens.shopper("chaos-shopper");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Frontends.Answer catalog = frontends.get("order-service", "/products", shopper);
            if (catalog.status() == 200 && skus.stream().allMatch(sku -> catalog.body().contains("\"" + sku + "\""))) {
                return skus;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("order-service's catalog did not show the products within 60 s: " + catalog.body());
            }
            Thread.sleep(250);
        }
    }

    // As an operator would: asked again until analytics-service accepts it (202, or 409: one runs already), for a while.
    private static Thread rebuildMidRun(Load load, AtomicInteger status) {
        String admin = Tokens.admin("chaos-admin");
        Thread asking = Thread.ofVirtual().start(() -> {
            try {
                long deadline = System.nanoTime() + MID_RUN_REBUILD_ASKED_FOR.toNanos();
                do {
                    Frontends.Answer answer = load.call("faults", Ledger.Operation.REBUILD, "analytics.sales", () -> load.frontends()
                            .post("analytics-service", "/admin/subscribers/analytics.sales/rebuild", admin, null, ""), true);
                    status.set(answer == null ? 0 : answer.status());
                    if (status.get() == 202 || status.get() == 409) {
                        return;
                    }
                    Thread.sleep(5_000);
                } while (System.nanoTime() < deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        System.out.printf("[%s] analytics.sales rebuild asked for%n", Instant.now());
        return asking;
    }

    // The rebuild asked for during the faults ran to its switch (a view stays answerable through it).
    private static Invariants.Check midRunRebuildSwitched(Frontends frontends, int status) throws Exception {
        String name = "the rebuild asked for during the faults switched";
        if (status != 202 && status != 409) {
            return new Invariants.Check(name, false, "never accepted within " + MID_RUN_REBUILD_ASKED_FOR.toMinutes() + " min (last answer "
                    + (status == 0 ? "none" : status) + ")");
        }
        try {
            awaitRebuilt(frontends, "sales", Duration.ofSeconds(120));
            return new Invariants.Check(name, true, "accepted (" + status + "), switched");
        } catch (IllegalStateException notSwitched) {
            return new Invariants.Check(name, false, notSwitched.getMessage());
        }
    }

    /** Waits until every order is decided, every relay is at the head and every subscriber level; returns how long it took. */
    private static Duration settle(Invariants invariants, Duration within) throws Exception {
        Instant start = Instant.now();
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (invariants.everyOrderDecided().holds() && invariants.relaysAtHead().holds() && invariants.subscribersLevel().holds()) {
                    break;
                }
            } catch (java.sql.SQLException away) {
                // the database may still be coming back
            }
            Thread.sleep(2000);
        }
        return Duration.between(start, Instant.now());
    }

    private static void awaitRebuilt(Frontends frontends, String view, Duration within) throws Exception {
        String admin = Tokens.admin("chaos-checks");
        long deadline = System.nanoTime() + within.toNanos();
        String state = null;
        while (System.nanoTime() < deadline) {
            Frontends.Answer answer = frontends.get("analytics-service", "/admin/subscribers/analytics." + view, admin);
            if (answer.status() == 200) {
                JsonNode rebuild = JSON.readTree(answer.body()).path("rebuild");
                state = rebuild.path("state").asText();
                if ("SWITCHED".equals(state)) {
                    return;
                }
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("the rebuild of analytics." + view + " did not switch within " + within + " (state " + state + ")");
    }

    /** Rebuilds the four analytics views from scratch, waits for each to switch, and reads the answers again. */
    private static Reference.Answers rebuildAll(Frontends frontends) throws Exception {
        String admin = Tokens.admin("chaos-checks");
        for (String view : VIEWS) {
            Frontends.Answer answer = frontends.post("analytics-service", "/admin/subscribers/analytics." + view + "/rebuild", admin, null, "");
            if (answer.status() != 202) {
                throw new IllegalStateException("rebuilding analytics." + view + " answered " + answer.status() + ": " + answer.body());
            }
        }
        for (String view : VIEWS) {
            awaitRebuilt(frontends, view, Duration.ofSeconds(180));
        }
        return AnalyticsAnswers.read(frontends);
    }
}
