package io.eventshop.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.eventshop.relay.Relay;
import io.eventshop.relay.RelayOptions;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoreMetrics;
import io.eventshop.store.StoreOptions;
import io.eventshop.store.StoredEvent;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.wire.CloudEventCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The relay benchmark: how fast the relay moves a backlog from the store to a fanout
 * exchange with three bound durable queues, beside a bare AMQP publisher sending the same encoded
 * messages (same sizes), persistent, with the same confirm window as the relay: windows of its batch
 * size, the next sent while the previous one is confirmed.
 *
 * <p>One fresh database ({@code eventshop_bench_relay}) holding {@code bench.events} events
 * (default 100,000) of one category; the machine's RabbitMQ. Runs: bare, relay, bare; the
 * baseline is the mean of the two bare runs. Queues are purged between runs and deleted at the end.
 * Durable classic queues, not quorum: on this machine's RabbitMQ 3.10 node, deleting quorum queues
 * after a heavy run crashed the node's quorum write-ahead log (it recovered), and the benchmark
 * must not put the machine's broker at risk; both sides see the same queues either way.
 */
public final class RelayBenchmark {

    private static final String DATABASE = "eventshop_bench_relay";
    private static final String CATEGORY = "benchrelay";
    private static final String EXCHANGE = "eventshop." + CATEGORY;
    // Names of this run only: re-declaring a just-deleted queue name is what upset a 3.10 node's quorum WAL.
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final List<String> QUEUES = List.of("bench.relay." + RUN + ".one", "bench.relay." + RUN + ".two",
            "bench.relay." + RUN + ".three");
    private static final int EVENTS = Integer.getInteger("bench.events", 100_000);
    private static final int WINDOW = 500;
    private static final RelayOptions OPTIONS = new RelayOptions(WINDOW, Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofSeconds(1));

    public static void main(String[] args) throws Exception {
        LocalPostgres.createDatabase(DATABASE, true);
        LocalPostgres.migrateEventStore(DATABASE);
        Vertx vertx = Vertx.vertx();
        Pool pool = LocalPostgres.pool(vertx, DATABASE, 4);
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1"));
        try (Connection amqp = factory.newConnection("relay-benchmark")) {
            EventStore store = new EventStore(pool, new StoreOptions(false, 1000), new StoreMetrics(new SimpleMeterRegistry()));
            BenchEvents.fill(pool, CATEGORY, EVENTS);
            List<StoredEvent> events = store.streamAll(Checkpoint.START).collect().asList().await().indefinitely();
            long encoding = System.nanoTime();
            List<byte[]> bodies = events.stream().map(e -> CloudEventCodec.encode(e.event())).toList();
            double encodeRate = bodies.size() / ((System.nanoTime() - encoding) / 1e9);
            Checkpoint last = store.head().await().indefinitely();
            declare(amqp);
            try {
                System.out.printf("eventshop relay benchmark, %s, %d cores, %,d events of ~%d bytes, fanout to %d durable classic queues,"
                                + " confirm window %d%n", Instant.now(), Runtime.getRuntime().availableProcessors(), bodies.size(),
                        bodies.getFirst().length, QUEUES.size(), WINDOW);

                double bareBefore = bare(amqp, bodies);
                purge(amqp);
                double relay = relay(store, vertx, amqp, last, bodies.size());
                purge(amqp);
                double bareAfter = bare(amqp, bodies);
                purge(amqp);
                double baseline = (bareBefore + bareAfter) / 2;
                System.out.printf("%-34s %14s %14s %7s%n", "measurement", "eventshop ev/s", "baseline ev/s", "ratio");
                System.out.printf("%-34s %,14.0f %,14.0f %7.2f%n", "relay publish, store to 3 queues", relay, baseline, relay / baseline);
                System.out.printf("(encoding alone, one thread: %,.0f events/s)%n", encodeRate);
            } finally {
                // Queues on the machine's broker outlive this process: remove them even when a run fails.
                try (Channel channel = amqp.createChannel()) {
                    for (String queue : QUEUES) {
                        channel.queueDelete(queue);
                    }
                    channel.exchangeDelete(EXCHANGE);
                }
            }
        } finally {
            pool.closeAndAwait();
            vertx.closeAndAwait();
        }
    }

    private static void declare(Connection amqp) throws Exception {
        try (Channel channel = amqp.createChannel()) {
            channel.exchangeDeclare(EXCHANGE, BuiltinExchangeType.FANOUT, true);
            for (String queue : QUEUES) {
                channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "classic"));
                channel.queueBind(queue, EXCHANGE, "");
            }
        }
    }

    private static void purge(Connection amqp) throws Exception {
        try (Channel channel = amqp.createChannel()) {
            for (String queue : QUEUES) {
                channel.queuePurge(queue);
            }
        }
    }

    // The baseline: the same bodies, persistent, with the relay's confirm window: windows of the batch
    // size, each sent before the previous one's confirms are awaited (two windows in flight at most).
    private static double bare(Connection amqp, List<byte[]> bodies) throws Exception {
        AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder()
                .contentType(CloudEventCodec.CONTENT_TYPE).deliveryMode(2).build();
        long start = System.nanoTime();
        try (Channel channel = amqp.createChannel()) {
            channel.confirmSelect();
            ConcurrentSkipListSet<Long> unconfirmed = new ConcurrentSkipListSet<>();
            channel.addConfirmListener((tag, multiple) -> {
                synchronized (unconfirmed) {
                    if (multiple) {
                        unconfirmed.headSet(tag, true).clear();
                    } else {
                        unconfirmed.remove(tag);
                    }
                    unconfirmed.notifyAll();
                }
            }, (tag, multiple) -> {
                throw new IllegalStateException("the broker refused message " + tag);
            });
            long previousWindowEnd = -1;
            for (int i = 0; i < bodies.size(); i++) {
                long tag = channel.getNextPublishSeqNo();
                unconfirmed.add(tag);
                channel.basicPublish(EXCHANGE, "", persistent, bodies.get(i));
                if ((i + 1) % WINDOW == 0 || i == bodies.size() - 1) {
                    awaitConfirmed(unconfirmed, previousWindowEnd);
                    previousWindowEnd = tag;
                }
            }
            awaitConfirmed(unconfirmed, previousWindowEnd);
        }
        return bodies.size() / ((System.nanoTime() - start) / 1e9);
    }

    private static void awaitConfirmed(ConcurrentSkipListSet<Long> unconfirmed, long tag) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        synchronized (unconfirmed) {
            while (!unconfirmed.headSet(tag, true).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no confirm for message " + tag + " within 30 s");
                }
                unconfirmed.wait(10);
            }
        }
    }

    // The relay from an empty checkpoint until it has saved the store's last position.
    private static double relay(EventStore store, Vertx vertx, Connection amqp, Checkpoint last, int events) throws Exception {
        long start = System.nanoTime();
        try (Relay relay = Relay.create(CATEGORY, store, vertx, LocalPostgres.connectOptions(LocalPostgres.PORT, DATABASE),
                () -> amqp, OPTIONS, new SimpleMeterRegistry())) {
            relay.start();
            while (!last.equals(relay.status().checkpoint())) {
                if (System.nanoTime() - start > Duration.ofMinutes(5).toNanos()) {
                    throw new IllegalStateException("the relay did not finish within 5 minutes: " + relay.status());
                }
                Thread.sleep(5);
            }
            return events / ((System.nanoTime() - start) / 1e9);
        }
    }
}
