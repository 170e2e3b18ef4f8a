package io.eventshop.subscriber.live;

import com.rabbitmq.client.Connection;
import io.eventshop.events.UndecodableEventException;
import io.eventshop.subscriber.Subscription;
import io.eventshop.subscriber.deadletter.DeadLetters;
import io.eventshop.subscriber.pipeline.Delivery;
import io.eventshop.subscriber.pipeline.Pipeline;
import io.eventshop.wire.CloudEventCodec;
import io.eventshop.wire.EventRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * A subscriber's live path: one queue consumer per category, and each delivery treated as a doorbell.
 * The message is read only for the event it names ({@link CloudEventCodec#reference}); the pipeline
 * applies the store's copy of that event, or nothing when the store holds no such event. Deliveries that
 * come together are applied together, in one transaction per batch ({@link DoorbellBatches}), and each is
 * settled after that transaction: acknowledged, or rejected to the broker's dead-letter exchange when it was
 * dead-lettered in Postgres.
 *
 * <p>Acknowledging is always safe here: the store is the truth and catch-up applies whatever a message
 * failed to bring. Only a delivery interrupted by a stop is left unacknowledged, for a faster
 * redelivery to another consumer.
 */
public final class LiveConsumers {

    private static final Logger LOG = Logger.getLogger(LiveConsumers.class);

    /** What the live path reports: for metrics. */
    public interface Listener {
        void unmatched(EventRef ref);

        void unreadable(long deadLetterId, String reason);

        /** A batch of {@code deliveries} was handed to the pipeline, to be applied in one transaction. */
        void batch(int deliveries);
    }

    private final Subscription subscription;
    private final Pipeline pipeline;
    private final DeadLetters deadLetters;
    private final Listener listener;
    private final UnmatchedDoorbells unmatched;
    private final Semaphore deliveries;
    private final Map<String, QueueConsumer> consumers = new LinkedHashMap<>();
    private final Map<String, DoorbellBatches> batches = new LinkedHashMap<>();
    private volatile boolean shutDown;

    /**
     * @param deliveries permits for live transactions applying at once, shared by every subscriber of the service: each
     *                   holds a database connection while it applies, and requests must find one free
     * @param batchSize  the most deliveries of one queue applied in one transaction
     * @param batchWait  the longest a delivery waits for others to join its batch while another batch of its queue applies
     */
    public LiveConsumers(Subscription subscription, String queueType, int prefetch, int queueMaxLength, Semaphore deliveries,
            int batchSize, Duration batchWait, Pipeline pipeline, DeadLetters deadLetters, Listener listener) {
        this.deliveries = deliveries;
        this.subscription = subscription;
        this.pipeline = pipeline;
        this.deadLetters = deadLetters;
        this.listener = listener;
        this.unmatched = new UnmatchedDoorbells(subscription.name(), Duration.ofMinutes(1));
        // As many full batches apply at once as the prefetch window holds, less the one that forms meanwhile (3 of 64 in
        // 256), so the next is full when one finishes; never fewer than two, so one forms while another applies even when
        // the window holds less than a batch. One delivery per transaction keeps the whole window applying.
        int concurrent = batchSize == 1 ? prefetch : Math.max(2, prefetch / batchSize - 1);
        subscription.categories().forEach(category -> {
            consumers.put(category, new QueueConsumer(subscription.name(), category, queueType, prefetch, queueMaxLength));
            batches.put(category, new DoorbellBatches(QueueConsumer.queueName(subscription.name(), category), batchSize, concurrent,
                    batchWait, batch -> apply(batch, category)));
        });
    }

    /**
     * Opens the consumers that are closed, except for {@code replaying} categories (a replaying view has no
     * live path yet). Returns whether one was (re)opened: it may have missed messages, which the catch-up
     * right after applies from the store.
     *
     * @throws IOException when a consumer could not be opened; the others stay as they are
     */
    public synchronized boolean open(Connection connection, Set<String> replaying) throws IOException {
        if (shutDown) {
            return false; // a pass that was under way when the subscriber stopped must not open them again
        }
        boolean opened = false;
        IOException failed = null;
        for (Map.Entry<String, QueueConsumer> entry : consumers.entrySet()) {
            QueueConsumer consumer = entry.getValue();
            if (consumer.isOpen() || replaying.contains(entry.getKey())) {
                continue;
            }
            try {
                String category = entry.getKey();
                consumer.open(connection, (body, settle) -> onMessage(category, body, settle));
                opened = true;
                LOG.infof("subscriber %s consumes %s", subscription.name(), consumer.queue());
            } catch (IOException | RuntimeException e) {
                failed = e instanceof IOException io ? io : new IOException("consuming " + consumer.queue() + ": " + e.getMessage(), e);
            }
        }
        if (failed != null) {
            throw failed;
        }
        return opened;
    }

    public void close(String category) {
        consumers.get(category).close();
    }

    public synchronized void closeAll() {
        consumers.values().forEach(QueueConsumer::close);
    }

    /** Closes every consumer for good: the subscriber stops. */
    public synchronized void shutDown() {
        shutDown = true;
        closeAll();
        batches.values().forEach(DoorbellBatches::stop);
    }

    public boolean isOpen(String category) {
        return consumers.get(category).isOpen();
    }

    public String queue(String category) {
        return consumers.get(category).queue();
    }

    /** Deletes a retired subscriber's queues, dead-letter queue and exchange (unbound first: see {@link QueueConsumer#deleteTopology}). */
    public static void deleteTopology(Connection connection, String subscriber, List<String> categories)
            throws IOException, TimeoutException {
        QueueConsumer.deleteTopology(connection, subscriber, categories);
    }

    private void onMessage(String category, byte[] body, Consumer<QueueConsumer.Settlement> settle) {
        EventRef ref;
        try {
            ref = CloudEventCodec.reference(body);
        } catch (UndecodableEventException e) {
            Thread.ofVirtual().name("eventshop-unreadable-" + subscription.name()).start(() -> unreadable(body, e, settle));
            return;
        }
        batches.get(category).add(ref, settle);
    }

    // Applies the events a batch of doorbells names (each try under one of the service's delivery permits), then settles
    // each delivery: only once the transaction committed, so a crash before leaves them all for redelivery.
    private void apply(List<DoorbellBatches.Doorbell> batch, String category) {
        listener.batch(batch.size());
        List<EventRef> refs = batch.stream().map(DoorbellBatches.Doorbell::ref).toList();
        List<Delivery> outcomes;
        try {
            outcomes = pipeline.ringAll(refs, category, deliveries);
        } catch (Pipeline.StoppedException stopped) {
            LOG.debugf("subscriber %s: %d deliveries left for redelivery (stopping)", subscription.name(), batch.size());
            return;
        } catch (RuntimeException bug) {
            // Not the messages' doing (their events are read from the store); catch-up applies the events later.
            LOG.errorf(bug, "subscriber %s: a batch of %d deliveries (first %s) failed; acknowledged, catch-up applies the events"
                    + " from the store", subscription.name(), batch.size(), refs.getFirst());
            batch.forEach(doorbell -> doorbell.settle().accept(QueueConsumer.Settlement.ACK));
            return;
        }
        // After the permit is back: settling may wait on a blocked connection.
        for (int i = 0; i < batch.size(); i++) {
            Delivery delivery = outcomes.get(i);
            if (delivery == Delivery.UNMATCHED) {
                listener.unmatched(refs.get(i));
                unmatched.note(refs.get(i));
            }
            batch.get(i).settle().accept(delivery == Delivery.DEAD_LETTERED ? QueueConsumer.Settlement.REJECT : QueueConsumer.Settlement.ACK);
        }
    }

    // Not an event at all: nothing to park. Recorded with its reason, then rejected to the broker's DLX.
    private void unreadable(byte[] body, UndecodableEventException e, Consumer<QueueConsumer.Settlement> settle) {
        try {
            DeadLetters.Recorded recorded = deadLetters.recordUnreadable(subscription.name(), subscription.lineage(), e.getMessage(),
                    new String(body, StandardCharsets.UTF_8)).await().atMost(Duration.ofMinutes(1));
            listener.unreadable(recorded.id(), e.getMessage());
        } catch (RuntimeException failure) {
            LOG.errorf(failure, "subscriber %s: an unreadable message could not be recorded as a dead letter;"
                    + " it goes to the broker's dead-letter queue only", subscription.name());
        }
        settle.accept(QueueConsumer.Settlement.REJECT);
    }
}
