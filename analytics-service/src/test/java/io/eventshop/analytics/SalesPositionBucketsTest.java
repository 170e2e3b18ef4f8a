package io.eventshop.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventshop.analytics.sales.SalesView;
import io.eventshop.events.codec.EventCodec;
import io.eventshop.events.order.OrderEvent;
import io.eventshop.store.Checkpoint;
import io.eventshop.store.EventStore;
import io.eventshop.store.StoredEvent;
import io.eventshop.subscriber.Envelope;
import io.eventshop.testing.LocalPostgres;
import io.eventshop.testing.OwnerStore;
import io.smallrye.mutiny.Multi;
import io.vertx.mutiny.sqlclient.Row;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A position bucket's first and last store position, as the sales view keeps them for "as of a store position"
 * (DECISIONS 9), when one transaction's events reach the view in two batches: the second batch adds a later
 * position of the same transaction to a row the first made. {@link AnalyticsViewsTest} checks the answers; the
 * subscriber decides how a transaction's events are cut into batches, so this case is driven here, by hand.
 */
class SalesPositionBucketsTest {

    private static final String DATABASE = "eventshop_sales_buckets_test";
    private static final String SCHEMA = "sales_buckets";

    @Test
    void a_later_batch_of_the_same_transaction_moves_the_last_position_of_the_bucket() {
        LocalPostgres.createDatabase(DATABASE, true);
        LocalPostgres.migrateEventStore(DATABASE);
        EventStore store = OwnerStore.on(DATABASE);
        SalesView view = new SalesView();
        List<String> tables = Stream.concat(Stream.of("create schema " + SCHEMA), view.createTables(SCHEMA).stream()).toList();
        store.inTransaction(tx -> Multi.createFrom().iterable(tables)
                        .onItem().transformToUniAndConcatenate(statement -> tx.connection().query(statement).execute())
                        .collect().last().replaceWithVoid())
                .await().atMost(Duration.ofSeconds(30));
        Workload workload = new Workload(store, 7);
        workload.addProducts();
        workload.confirmedOrdersInOneTransaction(() -> { });

        // Placed and confirmed, twice, one sku, in one transaction: positions next to each other, in one bucket.
        List<Envelope<?>> orders = store.readCategory(OrderEvent.CATEGORY, Checkpoint.START, 100).await().atMost(Duration.ofSeconds(10))
                .stream().map(SalesPositionBucketsTest::envelope).toList();
        assertThat(orders).hasSize(4);
        Checkpoint firstConfirmed = orders.get(1).position();
        Checkpoint secondConfirmed = orders.get(3).position();
        assertThat(secondConfirmed.transactionId()).isEqualTo(firstConfirmed.transactionId());
        for (List<Envelope<?>> batch : List.of(orders.subList(0, 3), orders.subList(3, 4))) {
            store.inTransaction(tx -> view.apply(tx, SCHEMA, batch)).await().atMost(Duration.ofSeconds(10));
        }

        Row bucket = store.inTransaction(tx -> tx.connection().query("select min_tx, min_pos, max_tx, max_pos, orders from " + SCHEMA
                        + ".position_buckets").execute()).await().atMost(Duration.ofSeconds(10)).iterator().next();
        assertThat(bucket.getLong("orders")).isEqualTo(2);
        assertThat(new Checkpoint(bucket.getLong("min_tx"), bucket.getLong("min_pos"))).isEqualTo(firstConfirmed);
        assertThat(new Checkpoint(bucket.getLong("max_tx"), bucket.getLong("max_pos"))).isEqualTo(secondConfirmed);
    }

    private static Envelope<?> envelope(StoredEvent stored) {
        return new Envelope<>(stored.event(), EventCodec.decode(stored.event()), stored.position());
    }
}
