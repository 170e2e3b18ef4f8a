package io.eventshop.relay;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import io.eventshop.broker.BrokerConnectionSource;
import io.eventshop.store.StoredEvent;
import io.eventshop.tracing.EventSpans;
import io.eventshop.tracing.Traceparents;
import io.eventshop.wire.CloudEventCodec;
import io.eventshop.wire.Exchanges;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * Publishes batches of events to a category's durable fanout exchange as persistent structured
 * CloudEvents on one channel in confirm mode. {@link #send} does not wait: the broker confirms a
 * batch while the next one is sent, and {@link #awaitConfirmed} blocks until every message up to a
 * given one is confirmed, so the rate is bound by the broker, not by a round trip per batch.
 * Blocking: use it from the relay's own thread (the confirm listener runs on the client's thread).
 */
final class Publisher implements AutoCloseable {

    private final BrokerConnectionSource connection;
    private final String exchange;
    private final Duration confirmTimeout;
    private final BiConsumer<StoredEvent, RuntimeException> unpublishable;
    private final EventSpans spans;
    private Channel channel;
    private Confirms confirms;
    // Resource alarms (memory, disk) make the broker block publishing connections: a publish then waits
    // without end on a full socket. The broker says so first (connection.blocked); while it is in force the
    // relay sends nothing and reports why, instead of hanging.
    private Connection watched;
    private volatile String blocked;

    /** @param unpublishable told of each stored event that cannot be encoded as a message (it is passed over) */
    Publisher(BrokerConnectionSource connection, String category, Duration confirmTimeout,
            BiConsumer<StoredEvent, RuntimeException> unpublishable) {
        this(connection, category, confirmTimeout, unpublishable, EventSpans.NONE);
    }

    /** As above, each publish a span restored from the event's stored trace context. */
    Publisher(BrokerConnectionSource connection, String category, Duration confirmTimeout,
            BiConsumer<StoredEvent, RuntimeException> unpublishable, EventSpans spans) {
        this.spans = spans;
        this.connection = connection;
        this.exchange = exchangeFor(category);
        this.confirmTimeout = confirmTimeout;
        this.unpublishable = unpublishable;
    }

    /** The W3C trace context header of each message: the publish span's. */
    static final String TRACEPARENT = "traceparent";

    static String exchangeFor(String category) {
        return Exchanges.forCategory(category);
    }

    /**
     * Sends {@code events} in order without waiting for the broker.
     *
     * @return the delivery tag of the last one, for {@link #awaitConfirmed}
     */
    long send(List<StoredEvent> events) throws IOException, TimeoutException {
        // Before the channel: on a blocked connection even opening one waits for a broker that does not read.
        // A blocked connection that has since dropped is not blocked any more: the next one is asked afresh.
        String blockedNow = blocked;
        if (blockedNow != null && watched != null && watched.isOpen()) {
            throw new BlockedException(blockedNow);
        }
        Channel ch = channel();
        long tag = -1;
        for (StoredEvent event : events) {
            byte[] body;
            try {
                body = CloudEventCodec.encode(event.event());
            } catch (RuntimeException unencodable) {
                // Only the doorbell is lost: subscribers apply the stored event through catch-up all the same.
                unpublishable.accept(event, unencodable);
                continue;
            }
            // The publish is a child of the span that appended the event; its context rides in the W3C header too, for
            // tools that follow AMQP headers. Ended at once: the confirm is the batch's, timed by the relay's metrics.
            Span span = spans.publish(exchange, event.event());
            String traceparent = Traceparents.of(span.getSpanContext());
            span.end();
            if (traceparent == null) {
                traceparent = event.metadata().traceparent();
            }
            AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                    .headers(traceparent == null ? null : Map.of(TRACEPARENT, traceparent))
                    .contentType(CloudEventCodec.CONTENT_TYPE)
                    .deliveryMode(2) // persistent: survives a broker restart once confirmed
                    .messageId(event.eventId().toString())
                    .type(event.type())
                    .timestamp(Date.from(event.occurredAt()))
                    .build();
            tag = ch.getNextPublishSeqNo();
            confirms.sent(tag);
            ch.basicPublish(exchange, "", properties, body);
        }
        return tag;
    }

    /**
     * Waits until the broker confirmed every message up to {@code tag}.
     *
     * @throws IOException when the broker refused (nacked) a message or the channel closed; the
     *         channel is then dropped and everything unconfirmed must be sent again
     * @throws TimeoutException when the confirms did not arrive within the confirm timeout
     */
    void awaitConfirmed(long tag) throws IOException, TimeoutException, InterruptedException {
        Confirms current = confirms;
        if (current == null) {
            throw new IOException("the channel was closed before message " + tag + " was confirmed");
        }
        try {
            current.await(tag, confirmTimeout);
        } catch (IOException | TimeoutException e) {
            close();
            throw e;
        }
    }

    /** The broker blocks this connection's publishing (a resource alarm). */
    static final class BlockedException extends IOException {
        BlockedException(String reason) {
            super("the broker blocks publishing (" + reason + "); waiting until it unblocks");
        }
    }

    private Channel channel() throws IOException, TimeoutException {
        if (channel == null || !channel.isOpen()) {
            Connection current = connection.get();
            if (current != watched) {
                blocked = null;
                current.addBlockedListener(reason -> blocked = reason, () -> blocked = null);
                watched = current;
            }
            Channel fresh = current.createChannel();
            fresh.exchangeDeclare(exchange, BuiltinExchangeType.FANOUT, true);
            fresh.confirmSelect();
            Confirms fresher = new Confirms();
            fresh.addConfirmListener(fresher);
            fresh.addShutdownListener(cause -> fresher.fail("channel closed: " + cause.getMessage()));
            channel = fresh;
            confirms = fresher;
        }
        return channel;
    }

    @Override
    public void close() {
        Channel current = channel;
        channel = null;
        confirms = null;
        if (current != null && current.isOpen()) {
            try {
                current.close();
            } catch (IOException | TimeoutException | com.rabbitmq.client.AlreadyClosedException ignored) {
                // closing a broken channel: nothing left to release
            }
        }
    }

    /**
     * The messages of one channel not confirmed yet; the broker may confirm them in any order. One nack spoils
     * the channel for good: every wait on it fails from then on, even when a later ack with {@code multiple}
     * covers the refused message's tag (as the broker may send it), so no checkpoint is ever saved past a
     * message the broker refused. The relay then sends everything from its checkpoint again, on a new channel.
     */
    static final class Confirms implements ConfirmListener {
        private final ConcurrentSkipListSet<Long> unconfirmed = new ConcurrentSkipListSet<>();
        private volatile String failure;

        void sent(long tag) {
            unconfirmed.add(tag);
        }

        @Override
        public synchronized void handleAck(long tag, boolean multiple) {
            if (multiple) {
                unconfirmed.headSet(tag, true).clear();
            } else {
                unconfirmed.remove(tag);
            }
            notifyAll();
        }

        @Override
        public synchronized void handleNack(long tag, boolean multiple) {
            fail("the broker refused message " + tag + (multiple ? " and those before it" : ""));
        }

        synchronized void fail(String reason) {
            if (failure == null) {
                failure = reason;
            }
            notifyAll();
        }

        synchronized void await(long tag, Duration timeout) throws IOException, TimeoutException, InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (failure != null || !unconfirmed.headSet(tag, true).isEmpty()) {
                if (failure != null) {
                    throw new IOException(failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("the broker did not confirm message " + tag + " within " + timeout);
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
    }
}
