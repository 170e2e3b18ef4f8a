package io.eventshop.bench;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.codec.EventCodec;
import io.vertx.mutiny.sqlclient.Pool;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The benchmarks' event generator: server-side inserts of OrderPlaced-sized events, 1,000 per
 * transaction (so transaction ids vary as they do in production), then VACUUM (ANALYZE): autovacuum
 * is off on these machines, and the read benchmarks must not measure unset hint bits.
 */
final class BenchEvents {

    private BenchEvents() {
    }

    /** Appends at least {@code events} (rounded up to a thousand) events of {@code category}, one per new stream. */
    static void fill(Pool pool, String category, long events) {
        String metadata = EventCodec.writeMetadata(new EventMetadata(UUID.randomUUID().toString(), null, "bench", null, "bench-user"));
        pool.query("""
                do $$
                begin
                  for t in 1..%d loop
                    insert into event_store.events (event_id, stream_id, category, stream_version, type, schema_version, data, metadata, occurred_at)
                    select gen_random_uuid(), '%s-' || s.id, '%s', 1, 'io.eventshop.order.placed', 1,
                           json_build_object('orderId', s.id, 'shopperId', 'shopper-42', 'lines', json_build_array(
                               json_build_object('sku', 'SKU-1', 'quantity', 2, 'unitPrice', json_build_object('amount', 1999, 'currency', 'EUR')),
                               json_build_object('sku', 'SKU-7', 'quantity', 1, 'unitPrice', json_build_object('amount', 4999, 'currency', 'EUR'))),
                               'total', json_build_object('amount', 8997, 'currency', 'EUR')),
                           '%s'::json, clock_timestamp()
                      from (select gen_random_uuid() as id from generate_series(1, 1000)) s;
                    commit;
                  end loop;
                end $$""".formatted((events + 999) / 1000, category, category, metadata)).executeAndAwait();
        pool.query("vacuum (analyze) event_store.events").executeAndAwait();
    }

    /**
     * The read baseline: one ordered SELECT of the store's columns over every event, streamed through a
     * cursor and counted; events/s.
     */
    static double rawOrderedRead(Pool pool, long expected, int pageSize) {
        long start = System.nanoTime();
        long count = pool.withTransaction(conn -> conn.prepare("select transaction_id::text, global_position, event_id, stream_id,"
                                + " stream_version, type, schema_version, data::text, metadata::text, occurred_at"
                                + " from event_store.events order by transaction_id, global_position")
                        .onItem().transformToUni(statement -> statement.createStream(pageSize).toMulti()
                                .collect().with(Collectors.counting())))
                .await().indefinitely();
        double rate = count / ((System.nanoTime() - start) / 1e9);
        if (count != expected) {
            throw new IllegalStateException("read " + count + " events, the store holds " + expected);
        }
        return rate;
    }
}
