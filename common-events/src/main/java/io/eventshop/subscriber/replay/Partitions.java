package io.eventshop.subscriber.replay;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.pipeline.Pipeline;
import io.eventshop.subscriber.pipeline.ReplayCursor;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.ReplayPartitions;
import io.eventshop.subscriber.state.ReplayPartitions.Partition;
import io.eventshop.worker.Worker;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The first phase of a long replay, split between workers (common-events DECISIONS 64). The category's
 * streams are split by a hash of their id ({@code event_store.stream_partition}) into partitions, each
 * read (the category's index range, filtered) and applied by a worker of its own, a page per transaction
 * under its partition's row, up to a bound fixed when the partitions were made: the store's head below the
 * horizon then, so nothing at or before it can still change. A stream lies in one partition, so its
 * versions are applied in order, with the protocol of a replay in store order ({@link ReplayState},
 * {@link Overtakers}); streams of different partitions are applied in no order between each other, as the
 * live path applies them. When every partition read nothing more up to the bound, one transaction moves the
 * category's checkpoint to it and the replay goes on from there in store order, up to the head as it is
 * then, and finishes as any replay does.
 *
 * <p>The store's reads and the views' writes of one replay run on several connections at once: on this
 * project's 2-core machine, 2 partitions rebuild the sales view ×1.15–1.2 as fast as one worker, and saturate
 * it (docs/benchmarks.md); more cores take more. No page in store order is applied while the phase runs
 * (ApplyTransaction checks), so replicas configured differently never apply the same events twice. Replicas run
 * the same partitions and take turns page by page through each partition's row lock, as they do on the
 * category's row without partitions. A restart resumes each partition where its last page committed.
 */
final class Partitions {

    private static final Logger LOG = Logger.getLogger(Partitions.class);
    /** A replay with fewer events than this many pages runs in store order only: partitions would not pay for themselves. */
    static final int PAGES_WORTH_IT = 10;

    private enum Ended { LEVEL, MOVED }

    private final Replay replay;
    private final String subscriber;
    private final EventStore store;
    private final Checkpoints checkpoints;
    private final ReplayPartitions rows = new ReplayPartitions();
    private final Pipeline pipeline;
    private final int pageSize;
    private final int partitions;
    private final ReplayPace pace;
    private final Worker worker;

    Partitions(Replay replay, String subscriber, EventStore store, Checkpoints checkpoints, Pipeline pipeline, int pageSize,
            int partitions, ReplayPace pace, Worker worker) {
        this.replay = replay;
        this.subscriber = subscriber;
        this.store = store;
        this.checkpoints = checkpoints;
        this.pipeline = pipeline;
        this.pageSize = pageSize;
        this.partitions = partitions;
        this.pace = pace;
        this.worker = worker;
    }

    /**
     * Runs the partitioned phase of the replay of {@code category}, begun here or found begun, from the category's
     * checkpoint {@code at}.
     *
     * @return where the replay goes on in store order: the phase's bound, or {@code at} when there was no phase (one
     *         partition, or too little to replay); null when the replay moved on elsewhere or this worker stopped
     */
    Checkpoint run(String category, Checkpoint at) {
        List<Partition> found = begin(category, at);
        if (found == null) {
            return null;
        }
        if (found.isEmpty()) {
            return at;
        }
        Partition first = found.getFirst();
        LOG.infof("subscriber %s replays %s in %d partitions from %s up to %s, then in store order%s", subscriber, category,
                first.partitions(), at, first.until(), pace.describe());
        long started = System.nanoTime();
        AtomicLong applied = new AtomicLong();
        Map<String, Integer> parked = replay.parked(category);
        AtomicBoolean stop = new AtomicBoolean();
        List<Ended> ended = new ArrayList<>();
        RuntimeException failed = null;
        try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletionService<Ended> running = new ExecutorCompletionService<>(workers);
            for (Partition partition : found) {
                running.submit(() -> partition.level() ? Ended.LEVEL : apply(category, partition, parked, applied, stop));
            }
            while (ended.size() + (failed == null ? 0 : 1) < found.size()) {
                try {
                    Future<Ended> done = running.poll(Replay.REPORT_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                    if (done == null) {
                        LOG.infof("subscriber %s replaying %s in %d partitions: %,d events applied, %,.0f events/s", subscriber, category,
                                found.size(), applied.get(), applied.get() / ((System.nanoTime() - started) / 1e9));
                        continue;
                    }
                    ended.add(done.get());
                } catch (ExecutionException e) {
                    // The others end after the page they apply (it commits); the first failure is the pass's.
                    stop.set(true);
                    if (failed == null) {
                        failed = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                    } else {
                        ended.add(Ended.MOVED);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // stopping: closing the executor below interrupts the workers
                    stop.set(true);
                    return null;
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
        if (ended.contains(Ended.MOVED) || !worker.running()) {
            return null;
        }
        if (!merge(category, at, first.until())) {
            return null;
        }
        LOG.infof("subscriber %s replayed %s up to %s in %d partitions: %,d events here in %.1f s; on in store order", subscriber,
                category, first.until(), found.size(), applied.get(), (System.nanoTime() - started) / 1e9);
        return first.until();
    }

    // The category's partitions as stored, or made now at the store's head when the replay is long enough: empty
    // when it is not (or partitions are off), null when the replay is no longer at {@code at}.
    private List<Partition> begin(String category, Checkpoint at) {
        // A view that does not split its replay only looks for partitions begun elsewhere: no head, no count.
        Checkpoint head = partitions < 2 ? null : await(store.head());
        long events = partitions < 2 ? 0 : await(store.countBetween(category, at, head, PAGES_WORTH_IT * pageSize));
        return await(store.inTransaction(tx -> checkpoints.lock(tx, subscriber, category).chain(position -> {
            if (position.isEmpty() || !position.get().replaying() || position.get().finishing() || !position.get().checkpoint().equals(at)) {
                return Uni.createFrom().nullItem();
            }
            return rows.all(tx, subscriber, category).chain(existing -> {
                if (!existing.isEmpty()) {
                    return Uni.createFrom().item(begunAt(existing, category, at));
                }
                if (events < PAGES_WORTH_IT * pageSize) {
                    return Uni.createFrom().item(existing);
                }
                return checkpoints.replayNotes(tx, subscriber, category)
                        .chain(notes -> rows.create(tx, subscriber, category, partitions, at, head, notes.overtaken()))
                        .chain(() -> rows.all(tx, subscriber, category));
            });
        })));
    }

    // A phase only begins at the category's checkpoint, and that checkpoint moves only when the phase ends: found
    // elsewhere, something applied pages in store order beside it (a replica of a release before partitions). Going on
    // would apply its events twice; the operator rebuilds the view.
    private List<Partition> begunAt(List<Partition> found, String category, Checkpoint at) {
        if (!found.getFirst().start().equals(at)) {
            throw new IllegalStateException("subscriber " + subscriber + " replays " + category + " in partitions begun at "
                    + found.getFirst().start() + ", but its checkpoint is " + at + ": rebuild the view (common-events DECISIONS 64)");
        }
        return found;
    }

    // One partition's worker: its pages up to the bound, in store order, read one page ahead.
    private Ended apply(String category, Partition partition, Map<String, Integer> parked, AtomicLong applied, AtomicBoolean stop) {
        ReplayCursor cursor = new ReplayCursor(category, partition.partition(), partition.start(), partition.until());
        ReplayState state = new ReplayState(parked, partition.overtaken(), partition.checkpoint());
        Function<Checkpoint, Uni<List<StoredEvent>>> read = after -> store.readPartition(category, partition.partition(),
                partition.partitions(), after, partition.until(), pageSize);
        Checkpoint at = partition.checkpoint();
        CompletableFuture<Replay.Page> next = replay.readAhead(read, at);
        while (worker.running() && !stop.get()) {
            Replay.Page page = next.orTimeout(1, TimeUnit.MINUTES).join();
            if (page.events().isEmpty()) {
                return level(cursor, at) ? Ended.LEVEL : Ended.MOVED;
            }
            next = replay.readAhead(read, page.events().getLast().position());
            if (!pace.turn(page.events().size(), () -> worker.running() && !stop.get())) { // one bound for the partitions together
                return Ended.MOVED;
            }
            state.begin(page.events(), page.overtakers());
            if (!pipeline.replay(cursor, at, page.events(), page.decoded(), state)) {
                return Ended.MOVED;
            }
            applied.addAndGet(page.events().size());
            at = page.events().getLast().position();
        }
        return Ended.MOVED;
    }

    // The partition read nothing after {@code at} up to its bound: marked level, unless another replica moved it meanwhile
    // or its phase ended (a later phase's partition at the same checkpoint is not this one).
    private boolean level(ReplayCursor cursor, Checkpoint at) {
        return await(store.inTransaction(tx -> rows.lock(tx, subscriber, cursor.category(), cursor.start(), cursor.until(),
                        cursor.partition())
                .chain(found -> {
                    if (found.isEmpty() || !found.get().checkpoint().equals(at)) {
                        return Uni.createFrom().item(false);
                    }
                    return found.get().level() ? Uni.createFrom().item(true)
                            : rows.level(tx, subscriber, cursor.category(), cursor.partition()).replaceWith(true);
                })));
    }

    // Every partition of the phase is level: the category's checkpoint moves to their bound, with their counts and what
    // they must still remember, and the partitions end. False when another replica merged them first, or the replay moved.
    private boolean merge(String category, Checkpoint at, Checkpoint until) {
        return await(store.inTransaction(tx -> checkpoints.lock(tx, subscriber, category).chain(position -> {
            if (position.isEmpty() || !position.get().replaying() || position.get().finishing() || !position.get().checkpoint().equals(at)) {
                return Uni.createFrom().item(false);
            }
            return rows.lockAll(tx, subscriber, category).chain(found -> {
                if (found.isEmpty() || !found.getFirst().until().equals(until) || !found.stream().allMatch(Partition::level)) {
                    return Uni.createFrom().item(false);
                }
                long replayed = found.stream().mapToLong(Partition::replayed).sum();
                String overtaken = ReplayState.merged(found.stream().map(Partition::overtaken).toList(), until);
                return checkpoints.saveReplay(tx, subscriber, category, until, replayed, overtaken)
                        .chain(() -> rows.delete(tx, subscriber, category))
                        .replaceWith(true);
            });
        })));
    }

    private static <T> T await(Uni<T> work) {
        return work.await().atMost(Duration.ofMinutes(1));
    }
}
