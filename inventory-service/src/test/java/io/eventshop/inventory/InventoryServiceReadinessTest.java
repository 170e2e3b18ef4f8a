package io.eventshop.inventory;

import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.ServiceReadinessContract;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class InventoryServiceReadinessTest extends ServiceReadinessContract {
}
