package io.eventshop.subscriber.runtime;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.deadletter.DeadLetters;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.Position;
import io.eventshop.subscriber.state.RowsTask;
import io.eventshop.subscriber.state.StreamStates;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Runs a category's {@link RowsTask} (a new reactor's seeding at the head, a reposition) to its end, a bounded
 * number of rows per transaction, so no transaction of it holds back the store's horizon for long. Each
 * transaction locks the category's checkpoint row and goes on from the cursor stored there, so replicas (and a
 * reposition's own request) take turns, and one that stops or fails between two transactions leaves the task for
 * the next to resume. The task's last transaction clears it: the category applies again, from its checkpoint. Also
 * deletes a retired subscriber's rows, likewise bounded.
 */
public final class StreamRowsTasks {

    private static final Logger LOG = Logger.getLogger(StreamRowsTasks.class);
    private static final Duration REPORT_EVERY = Duration.ofSeconds(10);
    /** Rows per transaction, in pages: as a replay's end writes its rows (a row costs less than applying an event). */
    static final int ROWS_PER_PAGE = 10;

    private final String subscriber;
    private final EventStore store;
    private final StreamStates streams;
    private final Checkpoints checkpoints;
    private final int rowsPerTransaction;

    public StreamRowsTasks(String subscriber, EventStore store, StreamStates streams, Checkpoints checkpoints, int pageSize) {
        this.subscriber = subscriber;
        this.store = store;
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.rowsPerTransaction = pageSize * ROWS_PER_PAGE;
    }

    /**
     * Runs the category's rows task while {@code keepGoing} holds. Returns the rows the task wrote or moved in all once it
     * has ended (here or elsewhere), empty when it was stopped before.
     */
    public OptionalLong run(String category, BooleanSupplier keepGoing) {
        long lastReport = System.nanoTime();
        while (keepGoing.getAsBoolean()) {
            Step step = store.inTransaction(tx -> checkpoints.lock(tx, subscriber, category)
                    .chain(found -> found.isEmpty() || found.get().rows() == null ? Uni.createFrom().item(Step.ENDED_ELSEWHERE)
                            : next(tx, category, found.get())))
                    .await().atMost(Duration.ofMinutes(1));
            if (step.ended()) {
                long total = step == Step.ENDED_ELSEWHERE ? checkpoints.rowsDone(subscriber, category).await().atMost(Duration.ofMinutes(1))
                        : step.done();
                if (step != Step.ENDED_ELSEWHERE) {
                    LOG.infof("subscriber %s: %s of %s finished: %,d stream rows; it applies from its checkpoint again", subscriber,
                            step.kind().name().toLowerCase(), category, total);
                }
                return OptionalLong.of(total);
            }
            if (System.nanoTime() - lastReport > REPORT_EVERY.toNanos()) {
                lastReport = System.nanoTime();
                LOG.infof("subscriber %s: %s of %s: %,d stream rows so far, at %s", subscriber, step.kind().name().toLowerCase(), category,
                        step.done(), step.cursor());
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Forgets a retired subscriber: its checkpoints and open dead letters in one transaction (a replica still running it
     * finds them gone and stops; nothing of it applies any more), then its stream rows, a bounded number per transaction.
     * Returns how many rows it deleted; one stopped half-way leaves the rest for the next call.
     */
    public Uni<Long> forget(DeadLetters deadLetters) {
        return store.inTransaction(tx -> checkpoints.deleteAll(tx, subscriber).chain(() -> deadLetters.deleteOpen(tx, subscriber)))
                .chain(() -> deleteRows("", 0, System.nanoTime()));
    }

    private Uni<Long> deleteRows(String after, long deleted, long reportedAt) {
        return store.inTransaction(tx -> streams.deleteSome(tx, subscriber, after, rowsPerTransaction)).chain(batch -> {
            long total = deleted + batch.rows();
            if (batch.last() == null) {
                if (total > 0) {
                    LOG.infof("subscriber %s forgotten: %,d stream rows deleted", subscriber, total);
                }
                return Uni.createFrom().item(total);
            }
            boolean report = System.nanoTime() - reportedAt > REPORT_EVERY.toNanos();
            if (report) {
                LOG.infof("subscriber %s being forgotten: %,d stream rows deleted so far", subscriber, total);
            }
            return deleteRows(batch.last(), total, report ? System.nanoTime() : reportedAt);
        });
    }

    /** What one transaction did: the task's kind, its rows so far, where it stands, and whether it ended. */
    private record Step(RowsTask.Kind kind, long done, String cursor, boolean ended) {
        static final Step ENDED_ELSEWHERE = new Step(null, 0, null, true);
    }

    // One transaction's part of the task, with the checkpoint row locked; the part that comes up short ends it.
    private Uni<Step> next(StoreTransaction tx, String category, Position position) {
        RowsTask task = position.rows();
        return switch (task.kind()) {
            case SEEDING -> streams.seedAfter(tx, subscriber, category, task.cursor() == null ? Checkpoint.START : Checkpoint.parse(task.cursor()),
                    position.checkpoint(), rowsPerTransaction).chain(seeded -> seeded.read() < rowsPerTransaction
                    ? end(tx, category, task, seeded.written())
                    : progress(tx, category, task, seeded.last().toString(), seeded.written()));
            case REPOSITIONING -> streams.repositionAfter(tx, subscriber, category, position.checkpoint(),
                    task.cursor() == null ? "" : task.cursor(), rowsPerTransaction).chain(moved -> moved.visited() < rowsPerTransaction
                    ? end(tx, category, task, moved.moved())
                    : progress(tx, category, task, moved.last(), moved.moved()));
        };
    }

    private Uni<Step> progress(StoreTransaction tx, String category, RowsTask task, String cursor, int rows) {
        return checkpoints.rowsProgress(tx, subscriber, category, cursor, rows)
                .replaceWith(new Step(task.kind(), task.done() + rows, cursor, false));
    }

    private Uni<Step> end(StoreTransaction tx, String category, RowsTask task, int rows) {
        return checkpoints.rowsFinished(tx, subscriber, category, rows).map(total -> new Step(task.kind(), total, null, true));
    }
}
