package io.eventshop.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoredEvent;
import io.eventshop.testing.ChaosPostgres;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.StoreFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A real failover under the store and a relay's lead: the primary is SIGKILLed, the synchronous standby promoted and
 * HAProxy's one address follows it ({@code deploy/chaos/fault pg-failover}). Clients never learn a new address: the
 * pool and the lead's own session must find the new primary behind the old one, and nothing the old primary
 * acknowledged may be missing there.
 */
class RelayFailoverTest {

    private static final String DATABASE = "eventshop_failover";

    @Test
    void after_a_failover_the_store_and_the_relay_lead_work_again_through_the_same_address_with_nothing_acknowledged_lost()
            throws Exception {
        try (ChaosPostgres postgres = ChaosPostgres.start();
             StoreFixture fx = StoreFixture.fresh(postgres.port(), DATABASE, 4)) {
            String category = StoreFixture.newCategory("failover");
            StreamId stream = StoreFixture.newStream(category);
            List<StoredEvent> before = append(fx, stream, ExpectedVersion.NO_STREAM, 20);
            RelayLeadership lead = new RelayLeadership(fx.vertx, LocalPostgres.connectOptions(postgres.port(), DATABASE), category,
                    Duration.ofSeconds(5), RelayOptions.DEFAULT_LOCK_TIMEOUT);
            assertThat(lead.tryAcquire()).isTrue();
            Checkpoint saved = before.getLast().position();
            lead.save(saved);

            postgres.failover();

            // The lead's session died with the old primary, and the relay knows it: it must not publish as leader.
            await("the lead notices its session is gone").atMost(Duration.ofSeconds(5)).until(() -> !lead.held());
            // It leads again through the same address, on the promoted node, from the checkpoint it saved before.
            await("the lead taken again").atMost(Duration.ofSeconds(15)).ignoreExceptions().until(lead::tryAcquire);
            assertThat(lead.checkpoint()).contains(saved);
            // The pool appends again, and every event the old primary acknowledged is there.
            List<StoredEvent> after = await("an append through the pool").atMost(Duration.ofSeconds(15)).ignoreExceptions()
                    .until(() -> append(fx, stream, ExpectedVersion.exactly(20), 1), appended -> appended.size() == 1);
            assertThat(after.getFirst().position().isAfter(saved)).isTrue();
            assertThat(fx.store.readStream(stream, 1).collect().asList().await().atMost(Duration.ofSeconds(10))).hasSize(21);
            lead.close();
        }
    }

    private static List<StoredEvent> append(StoreFixture fx, StreamId stream, ExpectedVersion expected, int count) {
        return fx.store.inTransaction(tx -> fx.store.append(tx, stream, expected, StoreFixture.events(count, "failover")))
                .await().atMost(Duration.ofSeconds(10));
    }
}
