package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.StreamId;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberOptions;
import io.eventshop.testing.StoreFixture;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A long replay runs in partitions up to the head as it found it (common-events DECISIONS 64): every version of
 * every stream is applied once and in its stream's order, with what was appended after the partitions' bound
 * (new streams, and later versions of streams the partitions replayed) applied by the replay's part in store order;
 * a replay stopped in its partitions resumes each where its last page committed; a replica replaying in store order
 * gives way to partitions another replica begins; an overtaker's versions that lie after the bound are passed over.
 */
class ReplayPartitionsTest {

    /** 5 events per page, 3 partitions: a replay of 50 events or more is partitioned. */
    private static final SubscriberOptions PARTITIONED = new SubscriberOptions("classic", 32, 5, Duration.ofMillis(500), 3, 50,
            Duration.ofSeconds(20), Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofMillis(300)).withReplayPartitions(3);

    static StoreFixture fx;
    SubscriberFixture sf;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(16);
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    @BeforeEach
    void fixture() throws Exception {
        sf = new SubscriberFixture(fx);
    }

    @AfterEach
    void cleanUp() throws Exception {
        sf.close();
    }

    @Test
    void a_partitioned_replay_applies_every_version_once_in_order_and_what_came_after_its_bound_once_more() {
        List<StreamId> streams = new ArrayList<>();
        List<StoredEvent> history = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            streams.add(sf.newStream());
        }
        // Versions interleaved across streams in store order: every partition reads across the whole range.
        for (int version = 1; version <= 3; version++) {
            for (StreamId stream : streams) {
                history.addAll(sf.append(stream, SubscriberFixture.confirmations(1)));
            }
        }
        history.addAll(overtaker());
        sf.awaitReadable(history.size());

        // The first page applied waits until the test has appended after the partitions' bound.
        CompletableFuture<Void> appended = new CompletableFuture<>();
        Subscriber subscriber = sf.start(gatedView(appended), PARTITIONED);
        await().atMost(Duration.ofSeconds(20)).until(() -> sf.partitionRows() == 3);
        for (StreamId stream : streams.subList(0, 10)) {
            history.addAll(sf.append(stream, SubscriberFixture.confirmations(1))); // version 4, after the bound
        }
        history.addAll(sf.appendStreams(5, 2));
        appended.complete(null);

        // The events after the bound are readable once the server's horizon passes them: wait for them, not for LIVE.
        await().atMost(Duration.ofSeconds(30)).until(() -> sf.applied().equals(SubscriberFixture.expected(history)));
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.status().await().indefinitely().state() == Subscriber.State.LIVE);
        assertThat(sf.applied()).as("every version once, in its stream's order").isEqualTo(SubscriberFixture.expected(history));
        assertThat(sf.deadLetters()).isEmpty();
        assertThat(sf.partitionRows()).as("the partitions end when merged").isZero();
    }

    @Test
    void a_replica_replaying_in_store_order_gives_way_to_partitions_another_begins_and_no_event_is_applied_twice() {
        List<StoredEvent> history = new ArrayList<>(sf.appendStreams(60, 2));
        sf.awaitReadable(history.size());
        // A replica configured with one partition replays in store order. Its first page waits, holding the category's
        // row, then times out once (contention: the page is retried whole after 150-300 ms; a handler's own failure
        // would split the page and retry at once, and could take the row back before the waiting replica wakes).
        // Meanwhile the other replica, queued for that row, begins a partitioned phase from the same checkpoint, which
        // lasts over a second (slowView): the retry comes while it runs, and must give way to it.
        var entered = new CompletableFuture<Void>();
        var gate = new CompletableFuture<Void>();
        var failedOnce = new AtomicBoolean();
        var holder = new AtomicInteger();
        Subscription firstTryFails = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class,
                (StoreTransaction tx, Envelope<OrderConfirmed> event) -> failedOnce.get() ? sf.record(tx, event)
                        : tx.connection().query("select pg_backend_pid()").execute().invoke(rows -> holder.set(rows.iterator().next().getInteger(0)))
                                .invoke(() -> entered.complete(null)).chain(() -> Uni.createFrom().completionStage(gate))
                                .invoke(() -> failedOnce.set(true)).chain(() -> Uni.createFrom().failure(new TimeoutException("test: the first try times out"))))
                .replayInPartitions().build();
        Subscriber inStoreOrder = sf.start(firstTryFails, new SubscriberOptions("classic", 32, 5, Duration.ofMillis(500), 3, 50,
                Duration.ofSeconds(20), Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofMillis(300)).withReplayPartitions(1));
        entered.orTimeout(10, TimeUnit.SECONDS).join();
        Subscriber partitioned = sf.start(slowView(), PARTITIONED);
        await().atMost(Duration.ofSeconds(10)).until(() -> waitingForTheCategoryRowHeldBy(holder.get()));
        gate.complete(null);
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> sf.partitionRows() == 3);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; in store order: " + inStoreOrder.status().await().indefinitely() + "; partitioned: "
                    + partitioned.status().await().indefinitely() + sf.describe(), e);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> sf.appliedCount() >= history.size());
        for (Subscriber replica : List.of(inStoreOrder, partitioned)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> replica.status().await().indefinitely().state() == Subscriber.State.LIVE);
        }
        assertThat(sf.deadLetters()).as("no event applied twice (the duplicate would be dead-lettered)").isEmpty();
        assertThat(sf.applied()).as("every version once, in its stream's order").isEqualTo(SubscriberFixture.expected(history));
    }

    @Test
    void an_overtaker_before_the_bound_whose_missing_versions_lie_after_it_is_applied_once() {
        List<StoredEvent> history = new ArrayList<>(sf.appendStreams(40, 2));
        // Version 3 takes its transaction id first; a holder takes the next and keeps it open, so the store's horizon
        // stays below versions 1 and 2, which commit with later ids before version 3 does. The partitions' bound is then
        // at or after version 3 and before versions 1 and 2: the partition holding the stream repairs them early, and the
        // replay after the bound must pass over them (what the partition remembered, merged into the category's row).
        StreamId inverted = sf.newStream();
        var release = new CompletableFuture<Void>();
        var held = new CompletableFuture<Void>();
        var holder = new AtomicReference<CompletableFuture<Void>>();
        history.addAll(sf.appendOvertaker(inverted, () -> {
            holder.set(fx.store.inTransaction(tx -> tx.connection().query("select pg_current_xact_id()").execute()
                    .invoke(() -> held.complete(null)).chain(() -> Uni.createFrom().completionStage(release))).subscribeAsCompletionStage());
            held.join();
        }));
        sf.awaitReadable(history.size() - 2); // not versions 1 and 2 yet

        Subscriber subscriber = sf.start(slowView(), PARTITIONED);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> sf.partitionRows() == 3);
        // Versions 1 and 2 become readable while the partitions run: the replay in store order after the bound reads them.
        release.complete(null);
        holder.get().join();
        await().atMost(Duration.ofSeconds(20)).until(() -> sf.applied().getOrDefault(inverted.value(), List.of()).size() >= 3);
        assertThat(sf.applied().get(inverted.value())).as("repaired before version 3, in its partition").containsExactly(1, 2, 3);

        await().atMost(Duration.ofSeconds(30)).until(() -> subscriber.status().await().indefinitely().state() == Subscriber.State.LIVE);
        assertThat(sf.deadLetters()).as("versions 1 and 2, read after the bound, passed over").isEmpty();
        assertThat(sf.applied()).as("every version once, in its stream's order").isEqualTo(SubscriberFixture.expected(history));
    }

    @Test
    void a_replay_stopped_in_its_partitions_resumes_each_where_its_last_page_committed() {
        List<StoredEvent> history = new ArrayList<>(sf.appendStreams(40, 2));
        history.addAll(overtaker());
        sf.awaitReadable(history.size());

        // Each partition stops after its second page: later pages of a partition are refused.
        var refusal = sf.refuseUpdates("subscriber_replay_partitions", "new.replayed > 10");
        Subscriber first = sf.start(partitionedView(), PARTITIONED);
        await().atMost(Duration.ofSeconds(20)).until(() -> refusal.count() >= 3);
        first.close();
        int appliedBefore = sf.appliedCount();
        assertThat(appliedBefore).as("some pages of the partitions, not all of the replay").isBetween(10, 30);
        refusal.close();

        Subscriber second = sf.start(partitionedView(), PARTITIONED);
        await().atMost(Duration.ofSeconds(30)).until(() -> second.status().await().indefinitely().state() == Subscriber.State.LIVE);
        assertThat(sf.applied()).as("every version once, in its stream's order").isEqualTo(SubscriberFixture.expected(history));
        assertThat(sf.deadLetters()).isEmpty();
        assertThat(second.status().await().indefinitely().categories().getFirst().replayed()).as("each event counted once")
                .isEqualTo(history.size());
    }

    // Version 3 of a new stream comes first in store order: the partition holding the stream repairs 1 and 2 before it.
    private List<StoredEvent> overtaker() {
        return sf.appendOvertaker(sf.newStream(), () -> { });
    }

    private Subscription partitionedView() {
        return Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, sf::record).replayInPartitions().build();
    }

    // Every event takes 30 ms to apply: a replay lasts long enough to be watched.
    private Subscription slowView() {
        return Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, (StoreTransaction tx, Envelope<OrderConfirmed> event) ->
                tx.connection().query("select pg_sleep(0.03)").execute().chain(() -> sf.record(tx, event))).replayInPartitions().build();
    }

    private Subscription gatedView(CompletableFuture<Void> gate) {
        return Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, (StoreTransaction tx, Envelope<OrderConfirmed> event) ->
                Uni.createFrom().completionStage(gate).chain(() -> sf.record(tx, event))).replayInPartitions().build();
    }

    // A session waits to lock a checkpoint row that the transaction of backend holder holds: the other replica's,
    // since nothing else of this test's locks one.
    private boolean waitingForTheCategoryRowHeldBy(int holder) {
        return fx.pool.preparedQuery("select exists (select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))"
                + " and query like 'select category,%from event_store.subscriber_checkpoints%for update')").execute(Tuple.of(holder))
                .await().indefinitely().iterator().next().getBoolean(0);
    }

}
