package io.eventshop.subscriber.replay;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.pipeline.Decoded;
import io.eventshop.subscriber.pipeline.Pipeline;
import io.eventshop.subscriber.pipeline.ReplayCursor;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.Position;
import io.eventshop.subscriber.state.ReplayPartitions;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.worker.Worker;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * A new view fills itself from the store: page after page in the store's order, with no per-stream rows
 * and no per-stream memory either ({@link ReplayState} holds the exceptions only), no live consumer
 * meanwhile. At the head it freezes its checkpoint, writes every stream's row from the store,
 * {@value #ROWS_PER_PAGE} pages' worth per transaction (so no transaction of it holds back the store's
 * horizon for long), and the category goes live; the catch-up right after applies what was published in
 * the meantime. Replicas take turns page by page through the checkpoint row's lock; a restart resumes
 * exactly where the last page committed, or resumes the finish where its last batch committed. Reads,
 * decoding and the search for overtakers ({@link Overtakers}) run one page ahead on another thread. A long
 * replay first runs in partitions ({@link Partitions}) up to the head as it found it, then on in store order.
 */
public final class Replay {

    private static final Logger LOG = Logger.getLogger(Replay.class);
    private static final Executor DECODER = Executors.newVirtualThreadPerTaskExecutor();
    static final Duration REPORT_EVERY = Duration.ofSeconds(10);
    /** Stream rows per transaction at a replay's end, in pages: a row costs less than applying an event. */
    static final int ROWS_PER_PAGE = 10;

    private final Subscription subscription;
    private final EventStore store;
    private final StreamStates streams;
    private final Checkpoints checkpoints;
    private final Pipeline pipeline;
    private final int pageSize;
    private final Worker worker;
    private final Overtakers overtakers;
    private final Partitions partitions;
    private final ReplayPartitions partitionRows = new ReplayPartitions();
    private final ReplayPace pace;

    /**
     * @param partitions workers a replay of more than {@value Partitions#PAGES_WORTH_IT} pages splits its streams between, for a
     *                   subscription that {@linkplain Subscription#replaysInPartitions() allows it}
     * @param maxRate    the most events a second the replay applies, its partitions together; 0 for no bound
     */
    public Replay(Subscription subscription, EventStore store, StreamStates streams, Checkpoints checkpoints, Pipeline pipeline,
            int pageSize, int partitions, int maxRate, Worker worker) {
        this.subscription = subscription;
        this.store = store;
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.pipeline = pipeline;
        this.pageSize = pageSize;
        this.worker = worker;
        this.overtakers = new Overtakers(store);
        this.pace = new ReplayPace(maxRate);
        // A view that does not allow partitions still joins those it finds (begun by a replica whose code allows them).
        this.partitions = new Partitions(this, subscription.name(), store, checkpoints, pipeline, pageSize,
                subscription.replaysInPartitions() ? partitions : 1, pace, worker);
    }

    /**
     * Replays the position's category from its checkpoint until the head, or until another replica moved it;
     * a replay found finishing resumes its finish.
     *
     * @return true when the replay finished here or elsewhere: the category goes live
     */
    public boolean run(Position position) {
        String category = position.category();
        Checkpoint checkpoint = position.checkpoint();
        if (position.finishing()) {
            LOG.infof("subscriber %s resumes the end of its replay of %s at %s", subscription.name(), category, checkpoint);
            return finish(category, checkpoint, notes(category).finishedAfter());
        }
        checkpoint = partitions.run(category, checkpoint);
        if (checkpoint == null) {
            return false; // moved on elsewhere, or stopped: the next pass starts from the stored state
        }
        ReplayState state = new ReplayState(parked(category), notes(category).overtaken(), checkpoint);
        long applied = 0;
        long waitingForReads = 0;
        long started = System.nanoTime();
        long lastReport = started;
        // Bounded up to the head as it is now; after it, what was appended meanwhile, unbounded, so that the replay ends.
        Checkpoint boundedUntil = pace.bounded() ? store.head().await().atMost(Duration.ofMinutes(1)) : Checkpoint.START;
        LOG.infof("subscriber %s replays %s from %s%s", subscription.name(), category, checkpoint,
                pace.bounded() ? pace.describe() + " up to " + boundedUntil : "");
        Function<Checkpoint, Uni<List<StoredEvent>>> read = after -> store.readCategory(category, after, pageSize);
        CompletableFuture<Page> next = readAhead(read, checkpoint);
        while (worker.running()) {
            long waitStart = System.nanoTime();
            Page page = next.orTimeout(1, TimeUnit.MINUTES).join();
            waitingForReads += System.nanoTime() - waitStart;
            if (page.events().isEmpty()) {
                LOG.infof("subscriber %s replayed %s: %,d events in %.1f s; writing the stream rows, then live from %s", subscription.name(),
                        category, applied, (System.nanoTime() - started) / 1e9, checkpoint);
                return finish(category, checkpoint, null);
            }
            next = readAhead(read, page.events().getLast().position());
            if (!page.events().getFirst().position().isAfter(boundedUntil) && !pace.turn(page.events().size(), worker::running)) {
                return false; // stopping
            }
            state.begin(page.events(), page.overtakers());
            if (!pipeline.replay(ReplayCursor.of(category), checkpoint, page.events(), page.decoded(), state)) {
                LOG.debugf("subscriber %s: the replay of %s moved on elsewhere; reloading", subscription.name(), category);
                return false; // the next pass starts from the stored state
            }
            applied += page.events().size();
            checkpoint = page.events().getLast().position();
            if (System.nanoTime() - lastReport > REPORT_EVERY.toNanos()) {
                lastReport = System.nanoTime();
                // Which side holds a replay up: the store's reads and decoding, or applying pages.
                LOG.infof("subscriber %s replaying %s: %,d events applied, %,.0f events/s, %.0f%% of the time waiting for reads, at %s",
                        subscription.name(), category, applied, applied / ((lastReport - started) / 1e9),
                        100.0 * waitingForReads / (lastReport - started), checkpoint);
            }
        }
        return false;
    }

    record Page(List<StoredEvent> events, Decoded decoded, Map<UUID, Overtakers.Overtaker> overtakers) {
    }

    // Read, decoded and checked for overtakers on another thread while the previous page is applied: with the
    // store's read, decoding is most of a replay's time outside Postgres.
    CompletableFuture<Page> readAhead(Function<Checkpoint, Uni<List<StoredEvent>>> read, Checkpoint after) {
        return read.apply(after)
                .chain(events -> overtakers.in(events).map(found -> Map.entry(events, found))).subscribeAsCompletionStage()
                .thenApplyAsync(page -> new Page(page.getKey(), Decoded.of(page.getKey(), subscription), page.getValue()), DECODER);
    }

    private Checkpoints.ReplayNotes notes(String category) {
        return store.inTransaction(tx -> checkpoints.replayNotes(tx, subscription.name(), category)).await().atMost(Duration.ofMinutes(1));
    }

    // The category's parked streams (their rows say so) and the version each has applied: a handful.
    Map<String, Integer> parked(String category) {
        return store.inTransaction(tx -> streams.parkedIn(tx, subscription.name(), category)).await().atMost(Duration.ofMinutes(1));
    }

    /** Where a replay's end stands once it has locked its checkpoint. */
    private enum Finish { DONE_ELSEWHERE, MOVED, FROZEN }

    // Freezes the checkpoint, writes every stream's row from the store (parked streams keep theirs) in bounded
    // transactions walking the category in stream id order, each recording how far it got, and the category goes live.
    // Another replica may have finished it, or moved it on before it was frozen.
    private boolean finish(String category, Checkpoint at, String finishedAfter) {
        Finish frozen = locked(category, at, (tx, position) -> position.finishing() ? Uni.createFrom().voidItem()
                : checkpoints.startFinishing(tx, subscription.name(), category));
        if (frozen != Finish.FROZEN) {
            return frozen == Finish.DONE_ELSEWHERE;
        }
        int perTransaction = pageSize * ROWS_PER_PAGE;
        long written = 0;
        long lastReport = System.nanoTime();
        String after = finishedAfter == null ? "" : finishedAfter;
        while (true) {
            if (!worker.running()) {
                return false; // frozen still: the next start resumes the finish
            }
            String from = after;
            AtomicReference<StreamStates.ReplayedRows> batch = new AtomicReference<>();
            Finish wrote = locked(category, at, (tx, position) -> streams.writeReplayedRows(tx, subscription.name(), category, at, from,
                    perTransaction).invoke(batch::set).chain(rows -> rows.last() == null ? Uni.createFrom().voidItem()
                    : checkpoints.finishedUpTo(tx, subscription.name(), category, rows.last())));
            if (wrote != Finish.FROZEN) {
                return wrote == Finish.DONE_ELSEWHERE;
            }
            if (batch.get().last() == null) {
                break;
            }
            after = batch.get().last();
            written += batch.get().streams();
            if (System.nanoTime() - lastReport > REPORT_EVERY.toNanos()) {
                lastReport = System.nanoTime();
                LOG.infof("subscriber %s finishing its replay of %s: %,d stream rows written, up to %s", subscription.name(), category,
                        written, after);
            }
        }
        if (locked(category, at, (tx, position) -> checkpoints.finishReplay(tx, subscription.name(), category)) == Finish.MOVED) {
            return false;
        }
        LOG.infof("subscriber %s replayed %s: %,d stream rows written; live from %s", subscription.name(), category, written, at);
        return true;
    }

    // One transaction with the replay's checkpoint locked: {@code work} runs only while the replay is still
    // unfinished and at {@code at}. Replicas finishing together take turns here.
    private Finish locked(String category, Checkpoint at, BiFunction<StoreTransaction, Position, Uni<Void>> work) {
        return store.inTransaction(tx -> checkpoints.lock(tx, subscription.name(), category).chain(found -> {
            if (found.isEmpty() || !found.get().replaying()) {
                return Uni.createFrom().item(Finish.DONE_ELSEWHERE);
            }
            if (!found.get().checkpoint().equals(at)) {
                return Uni.createFrom().item(Finish.MOVED);
            }
            // Another replica began a partitioned phase from here before this one froze it: the phase goes first.
            return partitionRows.exist(tx, subscription.name(), category).chain(partitioned -> partitioned
                    ? Uni.createFrom().item(Finish.MOVED) : work.apply(tx, found.get()).replaceWith(Finish.FROZEN));
        })).await().atMost(Duration.ofMinutes(1));
    }
}
