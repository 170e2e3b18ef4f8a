package io.eventshop.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * For {@code @QuarkusIntegrationTest}s, which start the packaged service (the runner jar, or the native binary)
 * as its own process in the test profile: makes sure the test database exists, and hands the process what it
 * cannot find in the package, since test resources are not in it: the file of the test key that verifies tokens,
 * and a free management port (a packaged service is not in test mode, so {@code quarkus.management.test-port} does
 * not apply and the fixed 908x ports might be taken by a running system).
 */
public class PackagedService implements QuarkusTestResourceLifecycleManager {

    /** The system property that tells the tests which management port the service listens on. */
    public static final String MANAGEMENT_PORT = "eventshop.it.management-port";

    @Override
    public Map<String, String> start() {
        LocalPostgres.createDatabase(StoreFixture.DATABASE, false);
        int managementPort = FreePorts.pick();
        System.setProperty(MANAGEMENT_PORT, Integer.toString(managementPort));
        return Map.of("mp.jwt.verify.publickey.location", testKeyFile().toUri().toString(),
                "quarkus.management.port", Integer.toString(managementPort));
    }

    @Override
    public void stop() {
        System.clearProperty(MANAGEMENT_PORT);
    }

    /** {@code http://localhost:<management port>/q/<path>}. */
    public static String management(String path) {
        return "http://localhost:" + System.getProperty(MANAGEMENT_PORT) + "/q/" + path;
    }

    private static Path testKeyFile() {
        try (InputStream in = PackagedService.class.getResourceAsStream("/jwt/test-public.pem")) {
            if (in == null) {
                throw new IllegalStateException("the test key jwt/test-public.pem is not on the class path");
            }
            Path file = Files.createTempFile("eventshop-test-public", ".pem");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
