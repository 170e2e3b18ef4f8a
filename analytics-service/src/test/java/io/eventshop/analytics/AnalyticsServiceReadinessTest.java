package io.eventshop.analytics;

import io.eventshop.testing.ServiceReadinessContract;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(FreshAnalyticsDatabase.class)
class AnalyticsServiceReadinessTest extends ServiceReadinessContract {
}
