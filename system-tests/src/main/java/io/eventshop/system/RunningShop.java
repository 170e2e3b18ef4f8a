package io.eventshop.system;

import io.eventshop.testing.FreePorts;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.LocalRabbitMq;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The three services as real processes (their packaged Quarkus apps), on a fresh database
 * ({@value #DATABASE}) and the RabbitMQ virtual host {@value #VHOST}, verifying tokens with the test
 * key. Logs go to {@code target/e2e-<service>.log}.
 */
public final class RunningShop implements AutoCloseable {

    public static final String DATABASE = "eventshop_e2e";
    static final String VHOST = "eventshop_e2e";
    static final List<String> SERVICES = List.of("order-service", "inventory-service", "analytics-service");
    // How long a service may take to start: 90 s unless -Deventshop.ready.seconds says more (a loaded machine).
    private static final Duration READY = Duration.ofSeconds(Long.getLong("eventshop.ready.seconds", 90));

    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Integer> managementPorts = new LinkedHashMap<>();
    private final Map<String, ProcessBuilder> builders = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();

    public static RunningShop start() throws IOException, InterruptedException {
        return start(DATABASE, true, SERVICES, "256m", Map.of());
    }

    /**
     * Some of the services on {@code database} (made afresh, or used as it is), with {@code heap} as
     * their maximum heap and {@code environment} added to theirs.
     */
    public static RunningShop start(String database, boolean freshDatabase, List<String> services, String heap,
            Map<String, String> environment) throws IOException, InterruptedException {
        return start(database, VHOST, freshDatabase, services, heap, environment);
    }

    /** As above, on the RabbitMQ virtual host {@code vhost} (made afresh with a fresh database). */
    public static RunningShop start(String database, String vhost, boolean freshDatabase, List<String> services, String heap,
            Map<String, String> environment) throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath().getParent();
        for (String service : services) {
            Path jar = root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar");
            if (!Files.exists(jar)) {
                throw new IllegalStateException(jar + " is missing: run the whole build (deploy/local/test), which packages the services first");
            }
        }
        LocalPostgres.createDatabase(database, freshDatabase);
        if (freshDatabase) {
            LocalRabbitMq.freshVirtualHost(vhost); // a fresh store starts with no queues of another history
        }
        Path publicKey = root.resolve("common-events/src/test/resources/jwt/test-public.pem");
        RunningShop shop = new RunningShop();
        try {
            for (String service : services) {
                int port = FreePorts.pick();
                Files.deleteIfExists(Path.of("target", "e2e-" + service + ".log")); // appended to after a restart
                ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx" + heap, "--enable-native-access=ALL-UNNAMED", "-jar",
                        root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar").toString())
                        .directory(root.resolve(service).toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "e2e-" + service + ".log").toFile()));
                Map<String, String> env = builder.environment();
                env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
                int managementPort = FreePorts.pick();
                env.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
                // Not prod: that profile refuses the local dev credentials (ProductionSettings).
                env.put("QUARKUS_PROFILE", "local");
                env.put("EVENTSHOP_DB_NAME", database);
                env.put("RABBITMQ_VIRTUAL_HOST", vhost);
                env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", "file:" + publicKey);
                env.put("EVENTSHOP_SUBSCRIBER_CATCH_UP_INTERVAL", "1s");
                env.putAll(environment);
                shop.builders.put(service, builder);
                shop.processes.put(service, builder.start());
                shop.ports.put(service, port);
                shop.managementPorts.put(service, managementPort);
            }
            for (String service : services) {
                shop.awaitReady(service, READY);
            }
            return shop;
        } catch (IOException | InterruptedException | RuntimeException e) {
            shop.close();
            throw e;
        }
    }

    /** The operating system's id of the service's process (for its memory, say). */
    public long pid(String service) {
        return processes.get(service).pid();
    }

    public String url(String service) {
        return "http://127.0.0.1:" + ports.get(service);
    }

    /** Where the service answers health ({@code /q/health}) and metrics ({@code /q/metrics}): not on its public port. */
    public String management(String service) {
        return "http://127.0.0.1:" + managementPorts.get(service);
    }

    private void awaitReady(String service, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!processes.get(service).isAlive()) {
                throw new IllegalStateException(service + " exited while starting; see system-tests/target/e2e-" + service.replace('#', '-') + ".log");
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create(management(service) + "/q/health/ready").toURL().openConnection();
                connection.setConnectTimeout(1000);
                if (connection.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(service + " was not ready within " + within + "; see system-tests/target/e2e-" + service + ".log");
    }

    /**
     * Starts another replica of {@code service} on its own port, configured as the first one; it is known
     * as {@code <service>#2} (#3, ...) to {@link #url}, {@link #management}, {@link #restart} and {@link #pid}. Returns that name.
     */
    public String startReplica(String service) throws IOException, InterruptedException {
        ProcessBuilder first = builders.get(service);
        String name = service + "#" + (builders.keySet().stream().filter(n -> n.equals(service) || n.startsWith(service + "#")).count() + 1);
        int port = FreePorts.pick();
        Path log = Path.of("target", "e2e-" + name.replace('#', '-') + ".log");
        Files.deleteIfExists(log);
        ProcessBuilder replica = new ProcessBuilder(first.command()).directory(first.directory()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        replica.environment().clear();
        replica.environment().putAll(first.environment());
        replica.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        int managementPort = FreePorts.pick();
        replica.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        builders.put(name, replica);
        processes.put(name, replica.start());
        ports.put(name, port);
        managementPorts.put(name, managementPort);
        awaitReady(name, READY);
        return name;
    }

    /** Stops a replica started by {@link #startReplica} (or any service) for good. */
    public void stop(String name) {
        Process process = processes.remove(name);
        if (process != null) {
            stop(process);
        }
    }

    /** Stops the service (as Kubernetes would: SIGTERM, then SIGKILL after 20 s) and starts it again on its port. */
    public void restart(String service) throws IOException, InterruptedException {
        stop(processes.get(service));
        processes.put(service, builders.get(service).start());
        awaitReady(service, READY);
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        processes.values().forEach(Process::destroy);
        for (Process process : processes.values()) {
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
