package io.eventshop.subscriber.runtime;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreTransaction;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.StreamStates;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.time.Instant;
import java.util.List;

/**
 * Moves a subscriber back to an earlier place in the store, after a handler bug was fixed, say: its
 * checkpoint in every category, and the version of every stream with events after that place (a bounded number
 * of streams per transaction, with the category applying nothing until all are back). The next catch-up applies the events after it again, once each and in each stream's
 * order; what came before it is not touched. Never forward (that would skip events), never while a
 * category replays (its state is in memory then), and never automatic: for a reactor this acts on
 * history again.
 *
 * <p>A stream whose versions straddle the place out of order (a later version committed before an
 * earlier one, possible when transactions overlap) counts as before it up to its last version there.
 */
public final class Repositions {

    /** Where a reposition goes: the beginning, a store position, or a time (business time, {@code occurred_at}). */
    public sealed interface From {
        record Beginning() implements From {
            @Override
            public String toString() {
                return "the beginning";
            }
        }

        record AtPosition(Checkpoint position) implements From {
            @Override
            public String toString() {
                return position.toString();
            }
        }

        /** Just before the first event (in the store's order) of each category that happened at or after {@code time}. */
        record AtTime(Instant time) implements From {
            @Override
            public String toString() {
                return time.toString();
            }
        }
    }

    /** What a reposition did in one category: where the checkpoint went, and how many streams moved back. */
    @RegisterForReflection
    public record Repositioned(String category, Checkpoint from, Checkpoint to, int streams) {
    }

    /** A reposition refused: a category still replays, or has no checkpoint yet. */
    public static final class RepositionRefused extends RuntimeException {
        RepositionRefused(String message) {
            super(message);
        }
    }

    private final EventStore store;
    private final StreamStates streams;
    private final Checkpoints checkpoints;
    private final int pageSize;

    /** Moving stream rows back {@code pageSize} × {@value StreamRowsTasks#ROWS_PER_PAGE} per transaction. */
    public Repositions(EventStore store, StreamStates streams, Checkpoints checkpoints, int pageSize) {
        this.store = store;
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.pageSize = pageSize;
    }

    /**
     * Repositions {@code subscription} to {@code from}; a place after a category's checkpoint leaves that
     * category where it is. The checkpoints move back in one transaction, which leaves each category
     * repositioning (it applies nothing); then the stream rows move back, a bounded number per transaction, here
     * (and in any replica's subscriber that finds the task unfinished: they take turns). Runs on a worker thread;
     * returns once every category applies again.
     *
     * @throws RepositionRefused (as the Uni's failure) when a category replays, has no checkpoint, or still seeds or repositions
     */
    public Uni<List<Repositioned>> reposition(Subscription subscription, From from) {
        String name = subscription.name();
        return store.inTransaction(tx -> Multi.createFrom().iterable(subscription.categories())
                        .onItem().transformToUniAndConcatenate(category -> checkpoints.lock(tx, name, category).chain(found -> {
                            if (found.isEmpty()) {
                                return Uni.createFrom().failure(new RepositionRefused(name + " has not started reading " + category + " yet"));
                            }
                            if (found.get().replaying()) {
                                return Uni.createFrom().failure(new RepositionRefused(name + " is still replaying " + category
                                        + "; a reposition waits until it has finished"));
                            }
                            if (found.get().rows() != null) {
                                return Uni.createFrom().failure(new RepositionRefused(name + " is still "
                                        + found.get().rows().kind().name().toLowerCase() + " " + category + " (" + found.get().rows().done()
                                        + " stream rows so far); a reposition waits until it has finished"));
                            }
                            Checkpoint current = found.get().checkpoint();
                            return target(tx, category, from, current).chain(to -> {
                                Checkpoint back = to.isAfter(current) ? current : to;
                                return checkpoints.startRepositioning(tx, name, category, back)
                                        .replaceWith(new Repositioned(category, current, back, 0));
                            });
                        }))
                        .collect().asList())
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(started -> {
                    StreamRowsTasks rows = new StreamRowsTasks(name, store, streams, checkpoints, pageSize);
                    return started.stream().map(category -> new Repositioned(category.category(), category.from(), category.to(),
                            (int) rows.run(category.category(), () -> true).orElseThrow())).toList();
                });
    }

    private Uni<Checkpoint> target(StoreTransaction tx, String category, From from, Checkpoint current) {
        return switch (from) {
            case From.Beginning beginning -> Uni.createFrom().item(Checkpoint.START);
            case From.AtPosition at -> Uni.createFrom().item(at.position());
            case From.AtTime at -> checkpoints.justBefore(tx, category, at.time()).map(found -> found.orElse(current));
        };
    }
}
