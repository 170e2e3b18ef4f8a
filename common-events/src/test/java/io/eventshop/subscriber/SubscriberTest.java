package io.eventshop.subscriber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import io.eventshop.events.NewEvent;
import io.eventshop.events.StreamId;
import io.eventshop.events.order.OrderConfirmed;
import io.eventshop.relay.Relay;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.ExpectedVersion;
import io.eventshop.store.StoredEvent;
import io.eventshop.store.StreamVersionConflictException;
import io.eventshop.subscriber.deadletter.DeadLetter;
import io.eventshop.subscriber.live.QueueConsumer;
import io.eventshop.subscriber.runtime.Subscriber;
import io.eventshop.subscriber.runtime.SubscriberOptions;
import io.eventshop.subscriber.runtime.SubscriberStatus;
import io.eventshop.testing.StoreFixture;
import io.eventshop.wire.CloudEventCodec;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The subscriber runtime end to end on the machine's Postgres and RabbitMQ: relay → fanout exchange →
 * subscriber queue → protocol → handler, with messages lost, duplicated, reordered and poisoned for
 * real. The handler's table has a unique key per (stream, version): a double apply fails loudly.
 */
class SubscriberTest {

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
    void two_replicas_on_one_quorum_queue_apply_every_event_once_and_in_order() {
        var quorum = new SubscriberOptions("quorum", 32, 200, Duration.ofHours(1), 3, 50, Duration.ofSeconds(20), Duration.ofMillis(20),
                Duration.ofMillis(200), Duration.ofMillis(300));
        Subscription view = sf.recordingView();
        Subscriber first = sf.start(view, quorum);
        Subscriber second = sf.start(view, quorum);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(first) && live(second));
        sf.relay();

        List<StoredEvent> appended = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            appended.addAll(sf.appendStreams(8, 5)); // 40 streams × 5 versions, interleaved by round below
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> sf.appliedCount() == appended.size());
        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(appended));
        assertThat(sf.counter("eventshop.subscriber.applied", "path", "live")).isEqualTo(appended.size());
        // One latency sample per delivery that applied something (a gap repair applies several events at once).
        assertThat(sf.meters.find("eventshop.subscriber.latency").tag("subscriber", sf.subscriber).timer().count())
                .isBetween(1L, (long) appended.size());
    }

    @Test
    void events_whose_messages_never_reached_a_queue_are_applied_by_catch_up_exactly_once() throws Exception {
        sf.relay();
        List<StoredEvent> beforeTheQueueExisted = sf.appendStreams(5, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> relayedUpTo(beforeTheQueueExisted.getLast()));

        Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == beforeTheQueueExisted.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));

        // Now the queue disappears under the running subscriber: what the relay publishes meanwhile is dropped.
        sf.deleteQueue(QueueConsumer.queueName(sf.subscriber, sf.category));
        List<StoredEvent> whileDeleted = sf.appendStreams(5, 3);

        List<StoredEvent> all = new ArrayList<>(beforeTheQueueExisted);
        all.addAll(whileDeleted);
        await().atMost(Duration.ofSeconds(15)).until(() -> sf.appliedCount() == all.size());
        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(all));
        assertThat(sf.counter("eventshop.subscriber.caught.up")).isGreaterThanOrEqualTo(beforeTheQueueExisted.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber)); // the queue was declared again
    }

    @Test
    void catch_up_leaves_a_new_event_to_its_doorbell_for_an_interval_unless_asked_to_catch_up_now() throws Exception {
        // No relay: no doorbell is ever published, as when every message is lost.
        Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.options(Duration.ofSeconds(2), 3, 50));
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.passes() >= 2); // past the first pass, which reads all
        long before = subscriber.passes();
        List<StoredEvent> left = sf.appendStreams(1, 2);

        await().atMost(Duration.ofSeconds(10)).until(() -> subscriber.passes() > before);
        assertThat(sf.appliedCount()).as("the next pass leaves the events to their doorbells").isZero();
        // Asked for (a rebuild's switch-over, a resolution), a pass reads to the horizon: at once, not at the next interval.
        subscriber.catchUpNow();
        await().atMost(Duration.ofSeconds(1)).until(() -> sf.appliedCount() == left.size());

        // And with nobody asking, a pass one interval or two later applies what no doorbell brought.
        List<StoredEvent> lost = sf.appendStreams(1, 2);
        await().atMost(Duration.ofSeconds(15)).until(() -> sf.appliedCount() == left.size() + lost.size());
        List<StoredEvent> all = new ArrayList<>(left);
        all.addAll(lost);
        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(all));
        assertThat(sf.counter("eventshop.subscriber.caught.up")).isEqualTo(all.size());
    }

    @Test
    void duplicated_and_reordered_messages_reach_the_handler_once_per_version_in_order() throws Exception {
        var liveOnly = new SubscriberOptions("classic", 32, 200, Duration.ofHours(1), 3, 50, Duration.ofSeconds(20), Duration.ofMillis(20),
                Duration.ofMillis(200), Duration.ofMillis(300));
        Subscriber subscriber = sf.start(sf.recordingView(), liveOnly);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        List<StoredEvent> appended = sf.appendStreams(6, 6);

        // No relay: the test is the broker, and it is a bad one.
        List<StoredEvent> deliveries = new ArrayList<>(appended);
        deliveries.addAll(appended);
        Collections.shuffle(deliveries);
        for (StoredEvent event : deliveries) {
            sf.publishRaw(CloudEventCodec.encode(event.event()));
        }

        await().atMost(Duration.ofSeconds(15)).until(() -> sf.appliedCount() == appended.size());
        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(appended));
        await().atMost(Duration.ofSeconds(5)).until(() -> sf.counter("eventshop.subscriber.duplicates") > 0);
        assertThat(sf.counter("eventshop.subscriber.gaps.repaired")).as("shuffled: later versions came first").isPositive();
    }

    @Test
    void live_deliveries_apply_no_more_at_once_than_the_services_permits() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Subscription slow = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, (tx, event) -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(100))
                    .eventually(running::decrementAndGet).chain(() -> sf.record(tx, event));
        }).build();
        var liveOnly = new SubscriberOptions("classic", 32, 200, Duration.ofHours(1), 3, 50, Duration.ofSeconds(20), Duration.ofMillis(20),
                Duration.ofMillis(200), Duration.ofMillis(300));
        Subscriber subscriber = new Subscriber(slow, Subscription.Start.HEAD, fx.store, sf.broker(), liveOnly, sf.meters, new Semaphore(2));
        try {
            subscriber.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
            List<StoredEvent> appended = sf.appendStreams(12, 1);
            for (StoredEvent event : appended) {
                sf.publishRaw(CloudEventCodec.encode(event.event())); // 12 doorbells at once, prefetch 32
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> sf.appliedCount() == appended.size());
            assertThat(most.get()).as("deliveries applying at once").isEqualTo(2);
        } finally {
            subscriber.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void an_event_that_commits_after_later_positioned_events_is_still_relayed_and_applied() throws Exception {
        Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        sf.relay();

        // The late transaction takes its position first, then waits while another commits behind it.
        StreamId late = sf.newStream();
        var lateCommit = new CompletableFuture<Void>();
        var lateDone = fx.store.inTransaction(tx -> fx.store.append(tx, late, ExpectedVersion.NO_STREAM,
                        SubscriberFixture.confirmations(1))
                .chain(() -> Uni.createFrom().completionStage(lateCommit)))
                .subscribeAsCompletionStage();
        List<StoredEvent> early = sf.appendStreams(3, 1);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> sf.appliedCount() <= early.size());
        lateCommit.complete(null);
        lateDone.join();

        await().atMost(Duration.ofSeconds(15)).until(() -> sf.appliedCount() == early.size() + 1);
        assertThat(sf.applied()).containsKey(late.value()).containsKeys(early.stream().map(e -> e.streamId().value()).toArray(String[]::new));
    }

    @Test
    void a_relay_that_re_publishes_everything_after_a_crash_causes_no_second_apply() throws Exception {
        Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        var relay = sf.relay();
        List<StoredEvent> appended = sf.appendStreams(4, 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == appended.size());

        // The broker confirmed, the checkpoint was never saved: the next leader publishes it all again.
        relay.close();
        fx.pool.preparedQuery("delete from event_store.relay_checkpoints where category = $1").execute(Tuple.of(sf.category))
                .await().indefinitely();
        sf.relay();

        await().atMost(Duration.ofSeconds(10)).until(() -> sf.counter("eventshop.subscriber.duplicates") >= appended.size());
        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(appended));
    }

    @Test
    void when_the_leading_relay_dies_mid_stream_the_standby_takes_over_and_the_handler_sees_everything_once() throws Exception {
        Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        var first = sf.relay();
        await().atMost(Duration.ofSeconds(10)).until(() -> first.status().state() == Relay.State.LEADING);
        var second = sf.relay();
        List<StoredEvent> appended = new ArrayList<>(sf.appendStreams(5, 4));

        // The leader's lock session dies while events keep coming: both may publish for a moment.
        fx.pool.preparedQuery("select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted"
                        + " and objsubid = 2 and classid::int4 = hashtext('eventshop.relay') and objid::int4 = hashtext($1)")
                .execute(Tuple.of(sf.category)).await().indefinitely();
        appended.addAll(sf.appendStreams(5, 4));

        await().atMost(Duration.ofSeconds(20)).until(() -> sf.appliedCount() == appended.size());
        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(appended));
        await().atMost(Duration.ofSeconds(10)).until(() -> List.of(first.status().state(), second.status().state())
                .contains(Relay.State.LEADING));
    }

    @Test
    void a_malformed_body_is_dead_lettered_with_its_reason_and_the_queue_keeps_flowing() throws Exception {
        Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        sf.relay();

        sf.publishRaw("{\"this is\": \"not a cloud event\"".getBytes(StandardCharsets.UTF_8));
        List<StoredEvent> after = sf.appendStreams(3, 2);

        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == after.size());
        await().atMost(Duration.ofSeconds(5)).until(() -> sf.deadLetters().size() == 1);
        DeadLetter letter = sf.deadLetters().getFirst();
        assertThat(letter.reason()).startsWith("undecodable");
        assertThat(letter.body()).isEqualTo("{\"this is\": \"not a cloud event\"");
        assertThat(letter.streamId()).isNull();
        assertThat(letter.status()).isEqualTo(DeadLetter.Status.OPEN);
        try (Channel channel = sf.amqp().createChannel()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> channel.messageCount(QueueConsumer.deadLetterQueueName(sf.subscriber)) == 1);
        }
    }

    @Test
    void an_unknown_type_parks_its_stream_other_streams_flow_and_a_skip_applies_what_waited() throws Exception {
        Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        sf.relay();

        StreamId poisoned = sf.newStream();
        List<StoredEvent> good = new ArrayList<>(sf.append(poisoned, SubscriberFixture.confirmations(1)));
        sf.append(poisoned, List.of(SubscriberFixture.unknownType()));
        List<StoredEvent> waiting = sf.append(poisoned, SubscriberFixture.confirmations(2));
        List<StoredEvent> others = sf.appendStreams(4, 2);

        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == good.size() + others.size());
        await().atMost(Duration.ofSeconds(5)).until(() -> sf.deadLetters().size() == 1);
        DeadLetter letter = sf.deadLetters().getFirst();
        assertThat(letter.reason()).contains("io.eventshop.order.teleported");
        assertThat(letter.streamId()).isEqualTo(poisoned.value());
        assertThat(letter.streamVersion()).isEqualTo(2);
        assertThat(letter.attempts()).as("poison is not retried").isEqualTo(1);
        Thread.sleep(1_000); // catch-up passes run meanwhile: the parked stream stays parked
        assertThat(sf.applied().get(poisoned.value())).containsExactly(1);

        Subscriber.Resolution skipped = subscriber.resolve(letter, DeadLetter.Status.SKIPPED).await().indefinitely();

        assertThat(skipped.appliedUpTo()).isEqualTo(4);
        assertThat(skipped.parkedAgain()).isFalse();
        assertThat(sf.applied().get(poisoned.value())).containsExactly(1, 3, 4);
        assertThat(sf.deadLetters().getFirst().status()).isEqualTo(DeadLetter.Status.SKIPPED);
        assertThat(waiting).hasSize(2);
    }

    @Test
    void a_handler_that_keeps_failing_is_dead_lettered_after_its_attempts_and_a_redrive_applies_the_stream_in_order()
            throws Exception {
        Set<UUID> broken = ConcurrentHashMap.newKeySet();
        AtomicInteger tries = new AtomicInteger();
        Subscription view = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, (tx, event) -> {
            if (broken.contains(event.recorded().eventId())) {
                tries.incrementAndGet();
                return Uni.createFrom().failure(new IllegalStateException("the view cannot take order " + event.payload().orderId()));
            }
            return sf.record(tx, event);
        }).build();
        Subscriber subscriber = sf.start(view, SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));

        StreamId stream = sf.newStream();
        List<StoredEvent> first = sf.append(stream, SubscriberFixture.confirmations(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == 2);
        List<NewEventAndId> failing = failingEvent();
        broken.add(failing.getFirst().id());
        sf.relay();
        sf.append(stream, List.of(failing.getFirst().event()));
        sf.append(stream, SubscriberFixture.confirmations(2));

        await().atMost(Duration.ofSeconds(10)).until(() -> sf.deadLetters().size() == 1);
        DeadLetter letter = sf.deadLetters().getFirst();
        assertThat(letter.attempts()).isEqualTo(SubscriberFixture.FAST.maxAttempts());
        assertThat(letter.reason()).contains("the view cannot take order");
        assertThat(letter.streamVersion()).isEqualTo(3);
        Thread.sleep(1_000);
        assertThat(sf.applied().get(stream.value())).as("versions 4 and 5 wait behind 3").containsExactly(1, 2);
        assertThat(first).hasSize(2);

        broken.clear();
        Subscriber.Resolution redriven = subscriber.resolve(letter, DeadLetter.Status.REDRIVEN).await().indefinitely();

        assertThat(redriven.appliedUpTo()).isEqualTo(5);
        assertThat(redriven.parkedAgain()).isFalse();
        assertThat(sf.applied().get(stream.value())).containsExactly(1, 2, 3, 4, 5);
        assertThat(sf.counter("eventshop.subscriber.dead.letters")).isEqualTo(1);
    }

    @Test
    void skipping_a_version_that_failed_inside_a_gap_repair_still_applies_the_versions_before_it() throws Exception {
        Set<UUID> broken = ConcurrentHashMap.newKeySet();
        Subscription view = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, (tx, event) ->
                broken.contains(event.recorded().eventId())
                        ? Uni.createFrom().failure(new IllegalStateException("cannot take it"))
                        : sf.record(tx, event)).build();
        var liveOnly = new SubscriberOptions("classic", 32, 200, Duration.ofHours(1), 2, 50, Duration.ofSeconds(20), Duration.ofMillis(20),
                Duration.ofMillis(200), Duration.ofMillis(300));
        Subscriber subscriber = sf.start(view, liveOnly);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        StreamId stream = sf.newStream();
        List<StoredEvent> events = sf.append(stream, SubscriberFixture.confirmations(3));
        broken.add(events.get(1).eventId());

        // Only version 3 arrives: its transaction repairs 1 and 2, and 2 fails, so nothing of it commits.
        sf.publishRaw(CloudEventCodec.encode(events.get(2).event()));
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.deadLetters().size() == 1);
        assertThat(sf.deadLetters().getFirst().streamVersion()).isEqualTo(2);
        assertThat(sf.applied()).doesNotContainKey(stream.value());

        Subscriber.Resolution skipped = subscriber.resolve(sf.deadLetters().getFirst(), DeadLetter.Status.SKIPPED)
                .await().indefinitely();

        assertThat(skipped.appliedUpTo()).isEqualTo(3);
        assertThat(sf.applied().get(stream.value())).as("version 1 applied, 2 skipped, 3 applied").containsExactly(1, 3);
    }

    @Test
    void a_second_poison_met_while_resyncing_a_skip_keeps_the_first_skip() throws Exception {
        Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        StreamId stream = sf.newStream();
        sf.append(stream, SubscriberFixture.confirmations(1));
        sf.append(stream, List.of(SubscriberFixture.unknownType()));
        sf.append(stream, List.of(SubscriberFixture.unknownType()));
        sf.append(stream, SubscriberFixture.confirmations(1));
        sf.relay();
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.deadLetters().size() == 1);

        Subscriber.Resolution first = subscriber.resolve(sf.deadLetters().getFirst(), DeadLetter.Status.SKIPPED).await().indefinitely();
        assertThat(first.parkedAgain()).as("version 3 is poison too").isTrue();
        DeadLetter second = sf.deadLetters().stream().filter(l -> l.status() == DeadLetter.Status.OPEN).findFirst().orElseThrow();
        assertThat(second.streamVersion()).isEqualTo(3);
        Subscriber.Resolution both = subscriber.resolve(second, DeadLetter.Status.SKIPPED).await().indefinitely();

        assertThat(both.appliedUpTo()).isEqualTo(4);
        assertThat(sf.applied().get(stream.value())).containsExactly(1, 4);
    }

    @Test
    void a_resolution_whose_service_stopped_before_applying_the_stream_is_finished_by_the_next_pass() throws Exception {
        Subscriber subscriber = sf.start(sf.recordingView(), SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        sf.relay();
        StreamId stream = sf.newStream();
        sf.append(stream, List.of(SubscriberFixture.unknownType()));
        sf.append(stream, SubscriberFixture.confirmations(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.deadLetters().size() == 1);

        // Only the resolution's own transaction, as if the service stopped right after it committed.
        sf.deadLetterStore().resolve(sf.deadLetters().getFirst(), DeadLetter.Status.SKIPPED).await().indefinitely();

        await().atMost(Duration.ofSeconds(10)).until(() -> sf.applied().containsKey(stream.value()));
        assertThat(sf.applied().get(stream.value())).containsExactly(2, 3);
    }

    @Test
    void a_transient_failure_is_retried_until_it_passes_and_never_dead_lettered() throws Exception {
        // A real lock timeout: the handler waits at most 50 ms for a lock the test holds. An advisory
        // lock, held outside any transaction, so the store's horizon (and the relay) keeps moving.
        long key = ThreadLocalRandom.current().nextLong();
        Subscription view = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, (tx, event) -> tx.connection()
                .query("set local lock_timeout = '50ms'").execute()
                .chain(() -> tx.connection().preparedQuery("select pg_advisory_xact_lock($1)").execute(Tuple.of(key)))
                .chain(() -> sf.record(tx, event))).build();
        var holder = fx.pool.getConnection().await().indefinitely();
        holder.preparedQuery("select pg_advisory_lock($1)").execute(Tuple.of(key)).await().indefinitely();
        try {
            Subscriber subscriber = sf.start(view, SubscriberFixture.FAST);
            await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
            sf.relay();
            List<StoredEvent> appended = sf.appendStreams(2, 2);

            await().atMost(Duration.ofSeconds(10)).until(() -> sf.counter("eventshop.subscriber.retries", "kind", "contention") >= 5);
            holder.preparedQuery("select pg_advisory_unlock($1)").execute(Tuple.of(key)).await().indefinitely();

            await().atMost(Duration.ofSeconds(15)).until(() -> sf.appliedCount() == appended.size());
            assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(appended));
            assertThat(sf.deadLetters()).isEmpty();
        } finally {
            holder.close().await().indefinitely();
        }
    }

    @Test
    void a_new_view_replays_history_in_stream_order_parks_poison_and_then_goes_live() throws Exception {
        // A later version whose transaction id is lower than its predecessor's: it comes first in store order.
        StreamId inverted = sf.newStream();
        sf.appendOvertaker(inverted, () -> { });
        List<StoredEvent> history = new ArrayList<>(sf.appendStreams(30, 3));
        StreamId poisoned = sf.newStream();
        sf.append(poisoned, SubscriberFixture.confirmations(1));
        sf.append(poisoned, List.of(SubscriberFixture.unknownType()));
        sf.append(poisoned, SubscriberFixture.confirmations(1));
        List<StoredEvent> inStoreOrder = fx.store.readCategory(sf.category, Checkpoint.START, 1000)
                .await().indefinitely();
        assertThat(inStoreOrder.stream().filter(e -> e.streamId().equals(inverted)).map(StoredEvent::streamVersion))
                .as("the store hands out version 3 first").startsWith(3);

        var small = new SubscriberOptions("classic", 32, 7, Duration.ofMillis(500), 3, 50, Duration.ofSeconds(20), Duration.ofMillis(20),
                Duration.ofMillis(200), Duration.ofMillis(300));
        Subscriber subscriber = sf.start(sf.recordingView(), small);
        await().atMost(Duration.ofSeconds(15)).until(() -> live(subscriber));

        assertThat(sf.applied().get(inverted.value())).containsExactly(1, 2, 3);
        assertThat(sf.applied()).containsAllEntriesOf(SubscriberFixture.expected(history));
        assertThat(sf.applied().get(poisoned.value())).containsExactly(1);
        assertThat(sf.deadLetters()).singleElement().satisfies(letter -> {
            assertThat(letter.streamId()).isEqualTo(poisoned.value());
            assertThat(letter.streamVersion()).isEqualTo(2);
        });
        assertThat(sf.counter("eventshop.subscriber.applied", "path", "live")).as("all by replay").isZero();

        sf.relay();
        List<StoredEvent> live = sf.appendStreams(3, 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.counter("eventshop.subscriber.applied", "path", "live") >= live.size());
        assertThat(sf.applied()).containsAllEntriesOf(SubscriberFixture.expected(live));
        Subscriber.Resolution skipped = subscriber.resolve(sf.deadLetters().getFirst(), DeadLetter.Status.SKIPPED).await().indefinitely();
        assertThat(skipped.appliedUpTo()).isEqualTo(3);
        assertThat(sf.applied().get(poisoned.value())).containsExactly(1, 3);
    }

    @Test
    void a_new_reactor_starts_at_the_head_and_never_acts_on_history() throws Exception {
        StreamId existing = sf.newStream();
        sf.append(existing, SubscriberFixture.confirmations(2));
        List<StoredEvent> history = sf.appendStreams(3, 1);
        Subscription reactor = Subscription.reactor(sf.subscriber, sf.category).on(OrderConfirmed.class, sf::record).build();

        Subscriber subscriber = sf.start(reactor, SubscriberFixture.FAST);
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        sf.relay();
        List<StoredEvent> next = sf.append(existing, SubscriberFixture.confirmations(1));
        List<StoredEvent> fresh = sf.appendStreams(2, 1);

        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == 3);
        Thread.sleep(1_000); // a catch-up pass or two: history stays untouched
        assertThat(sf.applied()).containsOnlyKeys(existing.value(), fresh.get(0).streamId().value(), fresh.get(1).streamId().value());
        assertThat(sf.applied().get(existing.value())).as("version 3 only, no gap repair into history").containsExactly(3);
        assertThat(next.getFirst().streamVersion()).isEqualTo(3);
        assertThat(history).hasSize(3);
    }

    @Test
    void an_event_that_fails_forever_as_if_passing_stops_only_itself_in_catch_up_and_the_rest_of_the_category_flows() throws Exception {
        // A handler that always meets a version conflict for one event: "transient" by its kind, permanent in fact.
        Set<UUID> poison = ConcurrentHashMap.newKeySet();
        Subscription view = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, (tx, event) ->
                poison.contains(event.recorded().eventId())
                        ? Uni.createFrom().failure(new StreamVersionConflictException(event.streamId(),
                                ExpectedVersion.exactly(1), 2))
                        : sf.record(tx, event)).build();
        Subscriber subscriber = sf.start(view, SubscriberFixture.options(Duration.ofMillis(300), 3, 3));
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));

        // No relay: only catch-up brings these, all in one page.
        List<StoredEvent> before = sf.appendStreams(6, 2);
        StreamId poisoned = sf.newStream();
        List<NewEvent> bad = SubscriberFixture.confirmations(2);
        poison.add(bad.getFirst().eventId());
        sf.append(poisoned, bad);
        List<StoredEvent> after = sf.appendStreams(6, 2);

        await().atMost(Duration.ofSeconds(20)).until(() -> sf.appliedCount() == before.size() + after.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> sf.deadLetters().size() == 1);
        DeadLetter letter = sf.deadLetters().getFirst();
        assertThat(letter.eventId()).isEqualTo(bad.getFirst().eventId());
        assertThat(letter.reason()).contains("StreamVersionConflictException");
        assertThat(letter.attempts()).as("the contention bound").isEqualTo(3);
        assertThat(sf.row(poisoned).orElseThrow().parkedVersion()).isEqualTo(1);
        List<StoredEvent> all = new ArrayList<>(before);
        all.addAll(after);
        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(all));
    }

    @Test
    @SuppressWarnings("unchecked")
    void a_view_that_throws_instead_of_failing_is_dead_lettered_for_that_event_and_the_category_flows() throws Exception {
        Set<UUID> poison = ConcurrentHashMap.newKeySet();
        Subscription view = Subscription.view(sf.subscriber, sf.category).on(OrderConfirmed.class, sf::record)
                .batch((tx, events) -> {
                    if (events.stream().anyMatch(event -> poison.contains(event.recorded().eventId()))) {
                        throw new IllegalStateException("thrown while building the view's statement");
                    }
                    return Multi.createFrom().iterable(events)
                            .onItem().transformToUniAndConcatenate(event -> sf.record(tx, (Envelope<OrderConfirmed>) (Envelope<?>) event))
                            .collect().last().replaceWithVoid();
                }).build();
        Subscriber subscriber = sf.start(view, SubscriberFixture.options(Duration.ofMillis(300), 2, 3));
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));

        List<StoredEvent> good = new ArrayList<>(sf.appendStreams(3, 2));
        List<NewEvent> bad = SubscriberFixture.confirmations(1);
        poison.add(bad.getFirst().eventId());
        sf.append(sf.newStream(), bad);
        good.addAll(sf.appendStreams(3, 2));

        await().atMost(Duration.ofSeconds(20)).until(() -> sf.appliedCount() == good.size() && sf.deadLetters().size() == 1);
        assertThat(sf.deadLetters().getFirst().eventId()).isEqualTo(bad.getFirst().eventId());
        assertThat(sf.deadLetters().getFirst().reason()).contains("thrown while building the view's statement");
        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(good));
    }

    @Test
    void a_reactor_configured_to_start_at_the_beginning_acts_on_history_once() throws Exception {
        List<StoredEvent> history = sf.appendStreams(3, 2);
        Subscription reactor = Subscription.reactor(sf.subscriber, sf.category).on(OrderConfirmed.class, sf::record).build();

        Subscriber subscriber = sf.start(reactor, SubscriberFixture.FAST, Subscription.Start.BEGINNING);

        await().atMost(Duration.ofSeconds(10)).until(() -> sf.appliedCount() == history.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> live(subscriber));
        assertThat(sf.applied()).isEqualTo(SubscriberFixture.expected(history));
        assertThat(sf.counter("eventshop.subscriber.applied", "path", "replay")).as("a reactor never replays").isZero();
    }

    private record NewEventAndId(UUID id, NewEvent event) {
    }

    private static List<NewEventAndId> failingEvent() {
        var event = SubscriberFixture.confirmations(1).getFirst();
        return List.of(new NewEventAndId(event.eventId(), event));
    }

    private boolean relayedUpTo(StoredEvent last) {
        var saved = fx.pool.preparedQuery("select global_position from event_store.relay_checkpoints where category = $1")
                .execute(Tuple.of(sf.category)).await().indefinitely();
        return saved.size() == 1 && saved.iterator().next().getLong(0) >= last.position().globalPosition();
    }

    private static boolean live(Subscriber subscriber) {
        SubscriberStatus status = subscriber.status().await().indefinitely();
        return status.state() == Subscriber.State.LIVE;
    }
}
