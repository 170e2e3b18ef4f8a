package io.eventshop.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Makes sure the test database exists before a service boots under test (its Flyway migrations run
 * at start-up). Uses the machine's Postgres; nothing is started or mocked.
 */
public class LocalDatabaseResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        LocalPostgres.createDatabase(StoreFixture.DATABASE, false);
        return Map.of();
    }

    @Override
    public void stop() {
        // The database is shared by every test run on this machine and kept for the next one.
    }
}
