package io.eventshop.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.eventshop.store.Checkpoint;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.StoreFixture;
import io.vertx.core.VertxOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay's lead is a session advisory lock; a leader that stops answering must not keep it. A "paused" leader here
 * is one whose Vert.x event loop (the only thread that reads its socket and pings its session) is held, as SIGSTOP
 * holds a whole replica: its TCP session stays open, it answers nothing.
 */
class RelayLeadershipTest {

    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(5);

    static StoreFixture fx;
    String category;

    // A database of its own: the test needs only the relay checkpoints' table, and shares nothing.
    @BeforeAll
    static void open() {
        fx = StoreFixture.fresh(LocalPostgres.PORT, "eventshop_relay_lead", 2);
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    @BeforeEach
    void newCategory() {
        category = StoreFixture.newCategory("lead");
    }

    @Test
    void a_paused_leader_loses_the_lead_within_the_lock_timeout_and_cannot_save_when_it_resumes() throws Exception {
        Vertx pausable = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setBlockedThreadCheckInterval(1)
                .setBlockedThreadCheckIntervalUnit(TimeUnit.HOURS));
        CountDownLatch resume = new CountDownLatch(1);
        try (RelayLeadership leader = leadership(pausable); RelayLeadership standby = leadership(fx.vertx)) {
            assertThat(leader.tryAcquire()).isTrue();
            leader.save(new Checkpoint(10, 10));
            assertThat(standby.tryAcquire()).isFalse();

            pausable.runOnContext(() -> awaitQuietly(resume));
            long paused = System.nanoTime();
            await("the standby takes the lead of a paused leader").atMost(LOCK_TIMEOUT.multipliedBy(5)).pollInterval(Duration.ofMillis(100))
                    .until(standby::tryAcquire);
            // The session idles from its last ping on, at most a third of the timeout before the pause.
            assertThat(Duration.ofNanos(System.nanoTime() - paused)).isGreaterThanOrEqualTo(LOCK_TIMEOUT.multipliedBy(2).dividedBy(3));
            standby.save(new Checkpoint(20, 20));

            resume.countDown();
            // Resumed, the old leader's session is gone: whatever it tries to save fails, and the checkpoint stays the new leader's.
            assertThatThrownBy(() -> leader.save(new Checkpoint(30, 30))).isInstanceOf(RuntimeException.class);
            await("the resumed leader knows it lost the lead").atMost(Duration.ofSeconds(5)).until(() -> !leader.held());
            assertThat(standby.checkpoint()).contains(new Checkpoint(20, 20));
        } finally {
            resume.countDown(); // a failed assertion must not leave the event loop held: closing Vert.x waits for it
            pausable.closeAndAwait();
        }
    }

    @Test
    void a_live_leader_keeps_the_lead_long_past_the_lock_timeout() throws Exception {
        try (RelayLeadership leader = leadership(fx.vertx); RelayLeadership standby = leadership(fx.vertx)) {
            assertThat(leader.tryAcquire()).isTrue();
            Thread.sleep(LOCK_TIMEOUT.multipliedBy(3).toMillis());
            assertThat(leader.held()).isTrue();
            leader.save(new Checkpoint(10, 10));
            assertThat(standby.tryAcquire()).isFalse();
            assertThat(leader.checkpoint()).contains(new Checkpoint(10, 10));
        }
    }

    private RelayLeadership leadership(Vertx vertx) {
        PgConnectOptions database = LocalPostgres.connectOptions(fx.port, fx.database);
        return new RelayLeadership(vertx, database, category, STATEMENT_TIMEOUT, LOCK_TIMEOUT);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
