package io.eventshop.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.eventshop.events.NewEvent;
import io.eventshop.events.StreamId;
import io.eventshop.testing.StoreFixture;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ordering rule, made to fail: transactions that commit out of order must neither be skipped
 * nor seen twice by a reader of all events, while a reader that trusts global_position skips them.
 */
class OrderingRuleTest {

    static StoreFixture fx;
    static EventStore store;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(24);
        store = fx.store;
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    @Test
    void an_event_whose_transaction_commits_late_is_read_in_transaction_order_and_a_naive_reader_skips_it() {
        Checkpoint start = store.head().await().indefinitely();
        long naiveCheckpoint = maxGlobalPosition();
        CompletableFuture<Void> releaseEarly = new CompletableFuture<>();
        StreamId early = StoreFixture.newStream("ordering");
        StreamId late = StoreFixture.newStream("ordering");

        // The early transaction appends first (lower xid, lower position) and stays open...
        CompletableFuture<List<StoredEvent>> earlyTx = store.inTransaction(tx -> store
                        .append(tx, early, ExpectedVersion.NO_STREAM, StoreFixture.events(1, "early"))
                        .call(() -> Uni.createFrom().completionStage(releaseEarly)))
                .subscribeAsCompletionStage();
        await().atMost(Duration.ofSeconds(10)).until(() -> streamExistsUncommitted(early));
        // ...while a later transaction appends (higher position) and commits.
        List<StoredEvent> lateEvents = store.inTransaction(tx ->
                store.append(tx, late, ExpectedVersion.NO_STREAM, StoreFixture.events(1, "late"))).await().indefinitely();

        List<Long> naiveSeen = naiveRead(naiveCheckpoint);
        assertThat(naiveSeen).as("the naive reader sees the late-numbered, early-committed event").contains(lateEvents.getFirst().position().globalPosition());
        naiveCheckpoint = Collections.max(naiveSeen);
        assertThat(ours(store.readAll(start, 1000).await().indefinitely(), Set.of(early, late)))
                .as("the ordering rule holds the committed event back while an older transaction is open").isEmpty();
        assertThat(store.readCategory("ordering", start, 1000).await().indefinitely())
                .as("so does a category read").isEmpty();

        releaseEarly.complete(null);
        List<StoredEvent> earlyEvents = earlyTx.join();

        assertThat(naiveRead(naiveCheckpoint)).as("the naive reader has moved past the early event: it is lost to it")
                .doesNotContain(earlyEvents.getFirst().position().globalPosition());
        List<StoredEvent> seen = ours(store.readAll(start, 1000).await().indefinitely(), Set.of(early, late));
        assertThat(seen).extracting(StoredEvent::eventId)
                .containsExactly(earlyEvents.getFirst().eventId(), lateEvents.getFirst().eventId());
        assertThat(store.readCategory("ordering", start, 1000).await().indefinitely()).extracting(StoredEvent::eventId)
                .containsExactly(earlyEvents.getFirst().eventId(), lateEvents.getFirst().eventId());
    }

    @Test
    void streaming_a_category_walks_every_page_in_order_and_leaves_other_categories_out() {
        Checkpoint start = store.head().await().indefinitely();
        String category = "paging" + Long.toString(System.nanoTime(), 36).replaceAll("[^a-z0-9]", "");
        List<UUID> appended = new ArrayList<>();
        for (int t = 0; t < 7; t++) { // 7 x 180 = 1,260 events: three pages of 500
            StreamId stream = StreamId.of(category, UUID.randomUUID());
            List<NewEvent> events = StoreFixture.events(180, "paging");
            store.inTransaction(tx -> store.append(tx, stream, ExpectedVersion.NO_STREAM, events)
                    .call(() -> store.append(tx, StoreFixture.newStream("otherpaging"), ExpectedVersion.NO_STREAM,
                            StoreFixture.events(3, "other"))))
                    .await().indefinitely();
            events.forEach(e -> appended.add(e.eventId()));
        }

        List<StoredEvent> inCategory = store.streamCategory(category, start).collect().asList().await().indefinitely();
        assertThat(inCategory).extracting(StoredEvent::eventId).containsExactlyElementsOf(appended);
        assertThat(inCategory).extracting(StoredEvent::position).isSorted();

        List<StoredEvent> all = ours(store.streamAll(start).collect().asList().await().indefinitely(),
                inCategory.stream().map(StoredEvent::streamId).collect(Collectors.toSet()));
        assertThat(all).extracting(StoredEvent::eventId).containsExactlyElementsOf(appended);
    }

    @Test
    void a_tailing_reader_sees_every_committed_event_exactly_once_in_order_while_writers_commit_out_of_order() throws Exception {
        Checkpoint start = store.head().await().indefinitely();
        Set<StreamId> streams = ConcurrentHashMap.newKeySet();
        Set<UUID> committed = ConcurrentHashMap.newKeySet();
        Set<UUID> rolledBack = ConcurrentHashMap.newKeySet();
        List<StoredEvent> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean writing = new AtomicBoolean(true);

        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            Checkpoint checkpoint = start;
            while (writing.get() || seen.size() < committed.size()) {
                List<StoredEvent> page = store.readAll(checkpoint, 200).await().indefinitely();
                for (StoredEvent event : page) {
                    if (streams.contains(event.streamId())) {
                        seen.add(event);
                    }
                    checkpoint = event.position();
                }
                if (page.isEmpty()) {
                    pause(5);
                }
            }
        }, threads);

        int writers = 12;
        int transactionsEach = 40;
        List<CompletableFuture<Void>> writerRuns = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            writerRuns.add(CompletableFuture.runAsync(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int t = 0; t < transactionsEach; t++) {
                    StreamId stream = StoreFixture.newStream("ordering");
                    streams.add(stream);
                    List<NewEvent> events = StoreFixture.events(1 + random.nextInt(3), "tail");
                    boolean rollback = random.nextInt(10) == 0;
                    long holdOpenMillis = random.nextInt(4) == 0 ? 20 + random.nextInt(60) : 1 + random.nextInt(3);
                    try {
                        store.inTransaction(tx -> store.append(tx, stream, ExpectedVersion.ANY, events)
                                .onItem().delayIt().by(Duration.ofMillis(holdOpenMillis))
                                .invoke(() -> {
                                    if (rollback) {
                                        throw new RollBack();
                                    }
                                })).await().indefinitely();
                        events.forEach(e -> committed.add(e.eventId()));
                    } catch (RollBack expected) {
                        events.forEach(e -> rolledBack.add(e.eventId()));
                    }
                }
            }, threads));
        }
        CompletableFuture.allOf(writerRuns.toArray(CompletableFuture[]::new)).get();
        writing.set(false);
        await().atMost(Duration.ofSeconds(30)).until(reader::isDone);
        reader.get();
        threads.shutdown();

        List<UUID> seenIds = seen.stream().map(StoredEvent::eventId).toList();
        assertThat(new HashSet<>(seenIds)).as("every committed event, nothing rolled back").isEqualTo(committed);
        assertThat(seenIds).as("each exactly once").doesNotHaveDuplicates();
        assertThat(seen).extracting(StoredEvent::position).as("in (transaction_id, global_position) order").isSorted();
        assertThat(rolledBack).as("the scenario rolled some transactions back").isNotEmpty();
        assertThat(committed).hasSizeGreaterThan(writers * transactionsEach / 2);
    }

    private static List<StoredEvent> ours(List<StoredEvent> events, Set<StreamId> streams) {
        return events.stream().filter(e -> streams.contains(e.streamId())).toList();
    }

    // What a reader that trusts global_position does: the bug the ordering rule exists to prevent.
    private static List<Long> naiveRead(long after) {
        List<Long> positions = new ArrayList<>();
        fx.pool.preparedQuery("select global_position from event_store.events where global_position > $1 order by global_position")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(after)).await().indefinitely()
                .forEach(row -> positions.add(row.getLong(0)));
        return positions;
    }

    private static long maxGlobalPosition() {
        return fx.pool.query("select coalesce(max(global_position), 0) from event_store.events").execute()
                .await().indefinitely().iterator().next().getLong(0);
    }

    // The open transaction's row is invisible to other sessions, but its stream lock is not.
    private static boolean streamExistsUncommitted(StreamId stream) {
        return fx.pool.preparedQuery("select count(*) from pg_locks where locktype = 'advisory' and granted"
                        + " and objid = (hashtextextended($1, 0) & 4294967295)::oid")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(stream.value())).await().indefinitely()
                .iterator().next().getLong(0) > 0;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static final class RollBack extends RuntimeException {
        RollBack() {
            super("rolled back on purpose", null, false, false);
        }
    }
}
