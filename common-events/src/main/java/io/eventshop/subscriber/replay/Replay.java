package io.eventshop.subscriber.replay;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.pipeline.Decoded;
import io.eventshop.subscriber.pipeline.Pipeline;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.Position;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.worker.Worker;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.jboss.logging.Logger;

/**
 * A new view fills itself from the store: page after page in the store's order, with its per-stream
 * state in memory ({@link ReplayState}) rather than in rows, no live consumer meanwhile. At the head it
 * freezes its checkpoint, writes every stream's row once, {@value #ROWS_PER_PAGE} pages' worth per
 * transaction (so no transaction of it holds back the store's horizon for long), and the category goes
 * live; the catch-up right after applies what was published in the meantime. Replicas take turns page by
 * page through the checkpoint row's lock; a restart resumes exactly where the last page committed, or
 * resumes the finish. Reads and decoding run one page ahead on another thread.
 */
public final class Replay {

    private static final Logger LOG = Logger.getLogger(Replay.class);
    private static final Executor DECODER = Executors.newVirtualThreadPerTaskExecutor();
    private static final Duration REPORT_EVERY = Duration.ofSeconds(10);
    /** Stream rows per transaction at a replay's end, in pages: a row costs less than applying an event. */
    static final int ROWS_PER_PAGE = 10;

    private final Subscription subscription;
    private final EventStore store;
    private final StreamStates streams;
    private final Checkpoints checkpoints;
    private final Pipeline pipeline;
    private final int pageSize;
    private final Worker worker;

    public Replay(Subscription subscription, EventStore store, StreamStates streams, Checkpoints checkpoints, Pipeline pipeline,
            int pageSize, Worker worker) {
        this.subscription = subscription;
        this.store = store;
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.pipeline = pipeline;
        this.pageSize = pageSize;
        this.worker = worker;
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
        ReplayState state = state(category, checkpoint);
        if (position.finishing()) {
            LOG.infof("subscriber %s resumes the end of its replay of %s at %s", subscription.name(), category, checkpoint);
            return finish(category, checkpoint, state);
        }
        long applied = 0;
        long waitingForReads = 0;
        long started = System.nanoTime();
        long lastReport = started;
        LOG.infof("subscriber %s replays %s from %s", subscription.name(), category, checkpoint);
        CompletableFuture<Page> next = readAhead(category, checkpoint);
        while (worker.running()) {
            long waitStart = System.nanoTime();
            Page page = next.orTimeout(1, TimeUnit.MINUTES).join();
            waitingForReads += System.nanoTime() - waitStart;
            if (page.events().isEmpty()) {
                LOG.infof("subscriber %s replayed %s: %,d events in %.1f s; writing the stream rows, then live from %s", subscription.name(),
                        category, applied, (System.nanoTime() - started) / 1e9, checkpoint);
                return finish(category, checkpoint, state);
            }
            next = readAhead(category, page.events().getLast().position());
            if (!pipeline.replay(category, checkpoint, page.events(), page.decoded(), state)) {
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

    private record Page(List<StoredEvent> events, Decoded decoded) {
    }

    // Read and decoded on another thread while the previous page is applied: with the store's read,
    // decoding is most of a replay's time outside Postgres.
    private CompletableFuture<Page> readAhead(String category, Checkpoint after) {
        return store.readCategory(category, after, pageSize).subscribeAsCompletionStage()
                .thenApplyAsync(events -> new Page(events, Decoded.of(events, subscription)), DECODER);
    }

    // What the replay applied up to its checkpoint, from the store: every stream's highest version read so
    // far; parked streams keep the version their row says.
    private ReplayState state(String category, Checkpoint checkpoint) {
        return store.inTransaction(tx -> streams.replayedUpTo(tx, subscription.name(), category, checkpoint)
                        .chain(versions -> streams.parkedIn(tx, subscription.name(), category).map(parked -> {
                            Map<String, Integer> all = new HashMap<>(versions);
                            all.putAll(parked);
                            return new ReplayState(all, parked.keySet());
                        })))
                .await().atMost(Duration.ofMinutes(10));
    }

    /** Where a replay's end stands once it has locked its checkpoint. */
    private enum Finish { DONE_ELSEWHERE, MOVED, FROZEN }

    // Freezes the checkpoint, writes every stream's row (parked streams keep theirs) in bounded transactions, and
    // the category goes live. Another replica may have finished it, or moved it on before it was frozen.
    private boolean finish(String category, Checkpoint at, ReplayState state) {
        Finish frozen = locked(category, at, (tx, position) -> position.finishing() ? Uni.createFrom().voidItem()
                : checkpoints.startFinishing(tx, subscription.name(), category));
        if (frozen != Finish.FROZEN) {
            return frozen == Finish.DONE_ELSEWHERE;
        }
        int perTransaction = pageSize * ROWS_PER_PAGE;
        long written = 0;
        long lastReport = System.nanoTime();
        Iterator<Map.Entry<String, Integer>> rows = state.rows();
        while (rows.hasNext()) {
            if (!worker.running()) {
                return false; // frozen still: the next start resumes the finish
            }
            List<String> streamIds = new ArrayList<>(perTransaction);
            List<Integer> versions = new ArrayList<>(perTransaction);
            while (rows.hasNext() && streamIds.size() < perTransaction) {
                Map.Entry<String, Integer> row = rows.next();
                streamIds.add(row.getKey());
                versions.add(row.getValue());
            }
            Finish wrote = locked(category, at, (tx, position) -> streams.writeRows(tx, subscription.name(),
                    streamIds.toArray(String[]::new), versions.toArray(Integer[]::new)));
            if (wrote != Finish.FROZEN) {
                return wrote == Finish.DONE_ELSEWHERE;
            }
            written += streamIds.size();
            if (System.nanoTime() - lastReport > REPORT_EVERY.toNanos()) {
                lastReport = System.nanoTime();
                LOG.infof("subscriber %s finishing its replay of %s: %,d of %,d stream rows written", subscription.name(), category,
                        written, state.streams());
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
            return work.apply(tx, found.get()).replaceWith(Finish.FROZEN);
        })).await().atMost(Duration.ofMinutes(1));
    }
}
