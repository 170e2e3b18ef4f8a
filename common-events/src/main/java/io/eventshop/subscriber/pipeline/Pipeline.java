package io.eventshop.subscriber.pipeline;

import io.eventshop.events.StreamId;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.deadletter.DeadLetters;
import io.eventshop.subscriber.state.Checkpoints;
import io.eventshop.subscriber.state.StreamStates;
import io.eventshop.tracing.EventSpans;
import io.eventshop.wire.CloudEventCodec;
import io.eventshop.wire.EventRef;
import io.eventshop.worker.Worker;
import io.smallrye.mutiny.Uni;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * One subscriber's way from "something may be new" to "applied": every source (doorbells, catch-up
 * pages, replay pages, resyncs) goes through the same apply transaction ({@link ApplyTransaction}) and
 * the same {@link RetryPolicy}. A page that fails is applied event by event, so exactly the bad event
 * is given up on: dead-lettered with its stream parked, or passed over when an operator already
 * skipped it in this subscriber's lineage. Everything else flows.
 *
 * <p>Blocking: call it from a virtual thread, never from an event loop. Stops (with {@link
 * StoppedException}) when the subscriber's worker stops.
 */
public final class Pipeline {

    /** The subscriber stopped before the work finished: nothing of it committed that was not complete. */
    public static final class StoppedException extends RuntimeException {
        StoppedException(String subscriber) {
            super(subscriber + " stopped", null, false, false);
        }
    }

    private static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(5);
    private static final Semaphore UNBOUNDED = new Semaphore(Integer.MAX_VALUE);

    private final Subscription subscription;
    private final EventStore store;
    private final ApplyTransaction transaction;
    private final DeadLetters deadLetters;
    private final RetryPolicy policy;
    private final PipelineListener listener;
    private final Worker worker;

    /** @param handlerTimeout the longest a handler may take for an event or a page before the try counts as failed */
    public Pipeline(Subscription subscription, EventStore store, StreamStates streams, Checkpoints checkpoints, DeadLetters deadLetters,
            RetryPolicy policy, Duration handlerTimeout, PipelineListener listener, Worker worker, EventSpans spans) {
        this.subscription = subscription;
        this.store = store;
        this.transaction = new ApplyTransaction(store, subscription, streams, checkpoints, deadLetters, handlerTimeout, spans);
        this.deadLetters = deadLetters;
        this.policy = policy;
        this.listener = listener;
        this.worker = worker;
    }

    /**
     * A doorbell that came on the queue of {@code category}: applies the store's copy of the event it names, if the
     * store holds it there and the category is live for this subscriber (not still replaying).
     */
    public Delivery ring(EventRef ref, String category, Semaphore permits) {
        RetryPolicy.Tries tries = new RetryPolicy.Tries();
        Set<UUID> carried = new HashSet<>();
        while (worker.running()) {
            try {
                ApplyTransaction.Rung rung = underPermit(permits, () -> await(transaction.ring(ref, category)));
                listener.rung(rung.delivery(), rung.applied(), rung.event());
                return rung.delivery();
            } catch (RuntimeException failure) {
                RetryPolicy.Decision decision = policy.next(Failures.classify(failure), tries, true);
                if (decision instanceof RetryPolicy.GiveUp giveUp) {
                    GaveUp gaveUp = giveUp(failure, giveUp.attempts(), null, carried);
                    if (gaveUp == GaveUp.DEAD_LETTERED) {
                        return Delivery.DEAD_LETTERED;
                    }
                    if (gaveUp == GaveUp.APPLIED_MEANWHILE) {
                        return Delivery.DUPLICATE;
                    }
                } else {
                    retry(failure, decision, tries);
                }
            }
        }
        throw new StoppedException(subscription.name());
    }

    /**
     * Doorbells that came together on the queue of {@code category}: applied in one transaction (a permit for each try),
     * each doorbell's outcome returned in the batch's order. While the batch fails for a reason that may pass it is tried
     * again; otherwise (a poison event, a failing handler, contention beyond its bound) its doorbells are rung one by one,
     * each with its own retries, so only the event at fault is dead-lettered and the rest of the batch is applied.
     */
    public List<Delivery> ringAll(List<EventRef> refs, String category, Semaphore permits) {
        if (refs.size() == 1) {
            return List.of(ring(refs.getFirst(), category, permits));
        }
        RetryPolicy.Tries tries = new RetryPolicy.Tries();
        while (worker.running()) {
            try {
                ApplyTransaction.RungAll rung = underPermit(permits, () -> await(transaction.ringAll(refs, category)));
                listener.rungAll(rung.deliveries(), rung.applied(), rung.events());
                return rung.deliveries();
            } catch (RuntimeException failure) {
                RetryPolicy.Decision decision = policy.next(Failures.classify(failure), tries, false);
                if (!(decision instanceof RetryPolicy.Split)) {
                    retry(failure, decision, tries);
                    continue;
                }
                listener.batchSplit(refs.size(), failure);
                // In each stream's version order, as the batch would have applied them: a later version rung first would
                // repair the earlier ones, and its own doorbell would be blamed for an earlier event's failure.
                Delivery[] outcomes = new Delivery[refs.size()];
                IntStream.range(0, refs.size()).boxed()
                        .sorted(Comparator.comparing((Integer i) -> refs.get(i).stream().value()).thenComparingInt(i -> refs.get(i).version()))
                        .forEach(i -> outcomes[i] = ring(refs.get(i), category, permits));
                return List.of(outcomes);
            }
        }
        throw new StoppedException(subscription.name());
    }

    /**
     * A catch-up page read after {@code from}: applied and the checkpoint moved to its end.
     *
     * @return false when the checkpoint had moved (another replica, a reposition): read again from the stored one
     */
    public boolean catchUp(String category, Checkpoint from, List<StoredEvent> page) {
        return page(from, page, new PageWork() {
            @Override
            public void apply(Checkpoint at, List<StoredEvent> events) {
                listener.page(false, await(transaction.catchUp(category, at, events)));
            }

            @Override
            public GaveUp giveUp(RuntimeException failure, int attempts, Checkpoint at, List<StoredEvent> events, Set<UUID> carried) {
                GaveUp gaveUp = Pipeline.this.giveUp(failure, attempts, null, carried);
                return gaveUp == GaveUp.CARRIED || gaveUp == GaveUp.NO_EVENT || passPast(category, at, events.getLast().position())
                        ? gaveUp : GaveUp.MOVED;
            }
        });
    }

    /**
     * A replay page read after {@code from}, with the stream state in {@code memory}, which it advances
     * once the page committed.
     *
     * @return false when the replay's checkpoint had moved (another replica's page, or the replay finished)
     */
    public boolean replay(ReplayCursor cursor, Checkpoint from, List<StoredEvent> page, Decoded decoded, ReplayMemory memory) {
        return page(from, page, new PageWork() {
            @Override
            public void apply(Checkpoint at, List<StoredEvent> events) {
                ApplyTransaction.Replayed replayed = await(transaction.replay(cursor, at, events, decoded, memory));
                memory.advance(events, replayed.lastVersions());
                listener.page(true, replayed.applied());
            }

            // Parked and passed in one transaction, under the replay's checkpoint lock.
            @Override
            public GaveUp giveUp(RuntimeException failure, int attempts, Checkpoint at, List<StoredEvent> events, Set<UUID> carried) {
                return Pipeline.this.giveUp(failure, attempts, new InReplay(cursor, at, events.getLast().position(), memory), carried);
            }
        });
    }

    /** How one source applies a page in one transaction, and gives up on an event of it. */
    private interface PageWork {
        /** @throws PositionMovedException when the page's checkpoint is no longer where it was read from */
        void apply(Checkpoint from, List<StoredEvent> page);

        /** Dead-letters (or passes over) the failing event and moves the checkpoint past the page (a page of one). */
        GaveUp giveUp(RuntimeException failure, int attempts, Checkpoint from, List<StoredEvent> page, Set<UUID> carried);
    }

    // The policy for pages, whatever their source: retried while the failure may pass; a page of several that fails
    // otherwise is applied event by event; a single event is given up on.
    private boolean page(Checkpoint from, List<StoredEvent> page, PageWork work) {
        RetryPolicy.Tries tries = new RetryPolicy.Tries();
        Set<UUID> carried = new HashSet<>();
        while (worker.running()) {
            try {
                work.apply(from, page);
                return true;
            } catch (PositionMovedException moved) {
                return false;
            } catch (RuntimeException failure) {
                RetryPolicy.Decision decision = policy.next(Failures.classify(failure), tries, page.size() == 1);
                if (decision instanceof RetryPolicy.Split) {
                    Checkpoint at = from;
                    for (StoredEvent event : page) {
                        if (!page(at, List.of(event), work)) {
                            return false;
                        }
                        at = event.position();
                    }
                    return true;
                }
                if (decision instanceof RetryPolicy.GiveUp giveUp) {
                    GaveUp gaveUp = work.giveUp(failure, giveUp.attempts(), from, page, carried);
                    if (gaveUp == GaveUp.MOVED) {
                        return false;
                    }
                    if (gaveUp != GaveUp.CARRIED && gaveUp != GaveUp.NO_EVENT) {
                        return true;
                    }
                } else {
                    retry(failure, decision, tries);
                }
            }
        }
        throw new StoppedException(subscription.name());
    }

    /**
     * Applies a stream up to its head as it is now, through the normal path (a doorbell for its newest
     * version, which repairs every version missing before it): after a dead letter was resolved.
     */
    public Delivery resync(StreamId stream) {
        Optional<StoredEvent> head = retrying(() -> store.streamVersion(stream)
                .chain(version -> version == 0 ? Uni.createFrom().item(Optional.<StoredEvent>empty())
                        : store.inTransaction(tx -> store.readStream(tx, stream, version, version)).map(found -> found.stream().findFirst())));
        // On the subscriber's own thread, one stream at a time: not one of the live deliveries the permits bound.
        return head.map(event -> ring(new EventRef(event.eventId(), stream, event.streamVersion()), stream.category(), UNBOUNDED))
                .orElse(Delivery.DUPLICATE);
    }

    private enum GaveUp { DEAD_LETTERED, CARRIED, APPLIED_MEANWHILE, NO_EVENT, MOVED }

    /** Where a replay stood when it gave up on an event: its state is in memory, so the dead letter commits with its checkpoint. */
    private record InReplay(ReplayCursor cursor, Checkpoint from, Checkpoint to, ReplayMemory memory) {
    }

    // Gives up on the event the failure names: passes over it when an operator skipped it elsewhere in the
    // lineage (once per event and work: a skip that does not take would otherwise loop), else dead-letters
    // it and parks its stream. A failure naming no event is the runtime's own: it is retried, slowly.
    private GaveUp giveUp(RuntimeException failure, int attempts, InReplay replay, Set<UUID> carried) {
        ReplayMemory memory = replay == null ? null : replay.memory();
        StoredEvent event = failedEvent(failure);
        if (event == null) {
            listener.failedWithoutEvent(failure);
            worker.pause(policy.maxBackoff());
            return GaveUp.NO_EVENT;
        }
        String reason = Failures.reason(failure.getCause() != null && failure instanceof EventFailedException ? failure.getCause() : failure);
        String body = body(event);
        if (carried.add(event.eventId())) {
            Optional<Long> decision = retrying(() -> deadLetters.skipDecision(subscription.lineage(), event.eventId()));
            if (decision.isPresent()) {
                long id = retrying(() -> deadLetters.recordCarriedSkip(subscription.name(), subscription.lineage(), event.event(),
                        decision.get(), reason, memory == null, body));
                if (memory != null) {
                    memory.skip(event.eventId());
                }
                listener.gaveUp(event, id, true, reason, attempts);
                return GaveUp.CARRIED;
            }
        }
        Optional<DeadLetters.Recorded> recorded;
        if (replay == null) {
            recorded = retrying(() -> deadLetters.park(subscription.name(), subscription.lineage(), event.event(), 0, reason, attempts,
                    body));
        } else {
            // With the replay's checkpoint locked and checked: another replica that applied this page meanwhile has
            // moved it, and a dead letter recorded from this replica's older memory would park the stream behind
            // versions it applied.
            try {
                recorded = retrying(() -> transaction.parkInReplay(replay.cursor(), replay.from(), replay.to(), event.event(),
                        memory.last(event.streamId().value()), reason, attempts, body));
            } catch (PositionMovedException moved) {
                return GaveUp.MOVED;
            }
        }
        if (recorded.isEmpty()) {
            return GaveUp.APPLIED_MEANWHILE;
        }
        if (memory != null) {
            memory.park(event.streamId().value());
        }
        if (recorded.get().created()) {
            listener.gaveUp(event, recorded.get().id(), false, reason, attempts);
        }
        return GaveUp.DEAD_LETTERED;
    }

    // The stored event as a CloudEvent; one whose metadata cannot be encoded (written around the store's API) as its raw fields.
    private static String body(StoredEvent event) {
        try {
            return new String(CloudEventCodec.encode(event.event()), StandardCharsets.UTF_8);
        } catch (RuntimeException unencodable) {
            return "{\"id\":\"" + event.eventId() + "\",\"subject\":\"" + event.streamId() + "\",\"streamversion\":" + event.streamVersion()
                    + ",\"type\":\"" + event.type() + "\",\"data\":" + event.data() + "}";
        }
    }

    private boolean passPast(String category, Checkpoint from, Checkpoint to) {
        try {
            retrying(() -> transaction.passPast(category, from, to));
            return true;
        } catch (PositionMovedException moved) {
            return false;
        }
    }

    private static StoredEvent failedEvent(Throwable failure) {
        for (Throwable at = failure; at != null; at = at.getCause() == at ? null : at.getCause()) {
            if (at instanceof EventFailedException failed) {
                return failed.event();
            }
        }
        return null;
    }

    // A permit is held for a transaction, not for the back-off between tries: a delivery waiting to try again must
    // not keep others (perhaps the one it waits for) from their connection.
    private <T> T underPermit(Semaphore permits, Supplier<T> attempt) {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoppedException(subscription.name());
        }
        try {
            return attempt.get();
        } finally {
            permits.release();
        }
    }

    private void retry(RuntimeException failure, RetryPolicy.Decision decision, RetryPolicy.Tries tries) {
        Failures.Kind kind = Failures.classify(failure);
        listener.retrying(kind, switch (kind) {
            case UNAVAILABLE -> tries.unavailable();
            case CONTENTION -> tries.contention();
            default -> tries.handler();
        }, failure);
        worker.pause(((RetryPolicy.Retry) decision).after());
    }

    // Bookkeeping (dead letters, a stream's head) waits out the database like everything else; any other failure is a bug.
    private <T> T retrying(Supplier<Uni<T>> work) {
        RetryPolicy.Tries tries = new RetryPolicy.Tries();
        while (worker.running()) {
            try {
                return await(work.get());
            } catch (PositionMovedException moved) {
                throw moved;
            } catch (RuntimeException failure) {
                Failures.Kind kind = Failures.classify(failure);
                if (kind != Failures.Kind.UNAVAILABLE && kind != Failures.Kind.CONTENTION) {
                    throw failure;
                }
                RetryPolicy.Decision decision = policy.next(Failures.Kind.UNAVAILABLE, tries, true);
                listener.retrying(kind, tries.unavailable(), failure);
                worker.pause(((RetryPolicy.Retry) decision).after());
            }
        }
        throw new StoppedException(subscription.name());
    }

    private static <T> T await(Uni<T> work) {
        return work.await().atMost(TRANSACTION_TIMEOUT);
    }
}
