package io.eventshop.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.testing.FreePorts;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.Tokens;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart stops replicas with SIGTERM while a load balancer still sends them requests. A packaged
 * order-service must report unready at once and keep serving for its shutdown delay, so that the balancer (HAProxy's
 * checks, Kubernetes' endpoints) takes it out of the rotation before it stops accepting: no shopper sees an error.
 */
class GracefulShutdownTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Duration DELAY = Duration.ofSeconds(3);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void a_stopping_replica_turns_unready_at_once_and_keeps_serving_through_the_shutdown_delay() throws Exception {
        String database = "eventshop_graceful_shutdown";
        LocalPostgres.createDatabase(database, true);
        int port = FreePorts.pick();
        int management = FreePorts.pick();
        Path log = Path.of("target", "graceful-shutdown-order-service.log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx192m",
                "--enable-native-access=ALL-UNNAMED", "-jar", ROOT.resolve("order-service/target/quarkus-app/quarkus-run.jar").toString())
                .directory(ROOT.resolve("order-service").toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("QUARKUS_") || name.startsWith("MP_JWT") || name.startsWith("EVENTSHOP_"));
        builder.environment().put("QUARKUS_PROFILE", "local");
        builder.environment().put("EVENTSHOP_DB_NAME", database);
        builder.environment().put("RABBITMQ_VIRTUAL_HOST", "eventshop_e2e");
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(management));
        builder.environment().put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", testKeyFile().toUri().toString());
        builder.environment().put("QUARKUS_SHUTDOWN_DELAY", DELAY.toSeconds() + "s");
        Process service = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(service::destroyForcibly));
        URI readiness = URI.create("http://127.0.0.1:" + management + "/q/health/ready");
        URI products = URI.create("http://127.0.0.1:" + port + "/products");
        String token = Tokens.shopper("graceful-shutdown");
        try {
            await("order-service ready; its log: " + log).atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> service.isAlive() && status(readiness, null) == 200 && status(products, token) == 200);

            long stopping = System.nanoTime();
            service.destroy(); // SIGTERM, as Kubernetes and deploy/chaos/replica stop a replica
            await("readiness DOWN").atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50))
                    .until(() -> status(readiness, null) == 503);
            // Requests that still reach it are served for the whole delay, the balancer's time to see it unready.
            while (System.nanoTime() - stopping < DELAY.minusMillis(700).toNanos()) {
                assertThat(status(products, token)).as("GET /products during the shutdown delay").isEqualTo(200);
                Thread.sleep(100);
            }
            assertThat(service.waitFor(30, TimeUnit.SECONDS)).as("stopped within the delay and the drain; its log: " + log).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isGreaterThanOrEqualTo(DELAY);
        } finally {
            service.destroyForcibly();
        }
    }

    // The status code, or -1 when nothing answers.
    private static int status(URI uri, String token) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static Path testKeyFile() throws IOException {
        try (InputStream in = GracefulShutdownTest.class.getResourceAsStream("/jwt/test-public.pem")) {
            assertThat(in).as("the test key jwt/test-public.pem on the class path").isNotNull();
            Path file = Files.createTempFile("eventshop-test-public", ".pem");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        }
    }
}
