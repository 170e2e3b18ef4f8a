package io.eventshop.subscriber.replay;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.pipeline.Decoded;
import io.eventshop.subscriber.pipeline.Pipeline;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.worker.Worker;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * A new view fills itself from the store: page after page in the store's order, with its per-stream
 * state in memory ({@link ReplayState}) rather than in rows, no live consumer meanwhile. At the head it
 * writes every stream's row once and the category goes live; the catch-up right after applies what was
 * published in the meantime. Replicas take turns page by page through the checkpoint row's lock; a
 * restart resumes exactly where the last page committed. Reads and decoding run one page ahead on
 * another thread.
 */
public final class Replay {

    private static final Logger LOG = Logger.getLogger(Replay.class);
    private static final Executor DECODER = Executors.newVirtualThreadPerTaskExecutor();
    private static final Duration REPORT_EVERY = Duration.ofSeconds(10);

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
     * Replays {@code category} from {@code from} until the head, or until another replica moved it.
     *
     * @return true when the replay finished here or elsewhere: the category goes live
     */
    public boolean run(String category, Checkpoint from) {
        ReplayState state = state(category, from);
        Checkpoint checkpoint = from;
        long applied = 0;
        long waitingForReads = 0;
        long started = System.nanoTime();
        long lastReport = started;
        LOG.infof("subscriber %s replays %s from %s", subscription.name(), category, from);
        CompletableFuture<Page> next = readAhead(category, checkpoint);
        while (worker.running()) {
            long waitStart = System.nanoTime();
            Page page = next.orTimeout(1, TimeUnit.MINUTES).join();
            waitingForReads += System.nanoTime() - waitStart;
            if (page.events().isEmpty()) {
                // A store of millions of streams takes a while here (5 M events of 2.3 M streams: about 25 s).
                LOG.infof("subscriber %s replayed %s to the head: writing each stream's row once, then live", subscription.name(), category);
                finish(category, checkpoint);
                LOG.infof("subscriber %s replayed %s: %,d events in %.1f s; live from %s", subscription.name(), category, applied,
                        (System.nanoTime() - started) / 1e9, checkpoint);
                return true;
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

    // Every stream's row, written once, and the live path may start; another replica may have finished it.
    private void finish(String category, Checkpoint checkpoint) {
        store.inTransaction(tx -> checkpoints.lock(tx, subscription.name(), category).chain(position -> {
            if (position.isEmpty() || !position.get().replaying()) {
                return Uni.createFrom().voidItem();
            }
            return streams.writeReplayed(tx, subscription.name(), category, position.get().checkpoint())
                    .chain(() -> checkpoints.finishReplay(tx, subscription.name(), category));
        })).await().atMost(Duration.ofMinutes(10));
    }
}
