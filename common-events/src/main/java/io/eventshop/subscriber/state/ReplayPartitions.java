package io.eventshop.subscriber.state;

import io.eventshop.store.Checkpoint;
import io.eventshop.store.StoreTransaction;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The only class that reads or writes {@code event_store.subscriber_replay_partitions}: where each partition
 * of a partitioned replay stands (V16). The category's checkpoint row stays where the partitioned phase
 * began until every partition is level at the phase's bound; then {@link #delete} ends the phase in the
 * transaction that moves the category's checkpoint there ({@link Checkpoints#saveReplay}). A partition's page
 * locks its partition's row only ({@link #lock}); whatever begins, ends or checks the phase locks the category's
 * row for update first.
 */
public final class ReplayPartitions {

    /**
     * One partition: its streams are those {@code event_store.stream_partition(stream_id, partitions)} puts in
     * {@code partition}; its phase began at the category's checkpoint {@code start} and reads up to {@code until}; it
     * has applied its streams up to {@code checkpoint}, and is {@code level} once it read nothing more up to
     * {@code until}. {@code overtaken}: what it must remember past its checkpoint, as a replay's category row keeps it.
     */
    public record Partition(int partition, int partitions, Checkpoint start, Checkpoint checkpoint, Checkpoint until, boolean level,
            long replayed, String overtaken) {
    }

    private static final String COLUMNS = "p.partition, p.partitions, p.start_tx::text::bigint, p.start_position,"
            + " p.transaction_id::text::bigint, p.global_position, p.until_tx::text::bigint, p.until_position, p.level, p.replayed,"
            + " p.replay_overtaken::text";
    private static final String ALL = "select " + COLUMNS + " from event_store.subscriber_replay_partitions p"
            + " where p.subscriber = $1 and p.category = $2 order by p.partition";
    private static final String EXIST = "select exists (select 1 from event_store.subscriber_replay_partitions"
            + " where subscriber = $1 and category = $2)";
    // A page locks its partition's row only, the one of its phase (start and bound): the category's row is not shared,
    // since a share lock granted to page after page would keep a merge, a finish or a retirement, which wait for it for
    // update, out for as long as workers run. Whatever begins, ends or checks the phase locks the category's row for
    // update first, then the partitions: one order everywhere.
    private static final String LOCK = ALL.replace(" order by p.partition", " and p.partition = $3"
            + " and (p.start_tx, p.start_position) = ($4::bigint::text::xid8, $5) and (p.until_tx, p.until_position) = ($6::bigint::text::xid8, $7)"
            + " for update");
    private static final String LOCK_ALL = ALL + " for update";
    private static final String CREATE = "insert into event_store.subscriber_replay_partitions (subscriber, category, partition,"
            + " partitions, start_tx, start_position, transaction_id, global_position, until_tx, until_position, replay_overtaken)"
            + " select $1, $2, p, $3, $4::bigint::text::xid8, $5, $4::bigint::text::xid8, $5, $6::bigint::text::xid8, $7, $8::text::jsonb"
            + " from generate_series(0, $3 - 1) p";
    private static final String SAVE = "update event_store.subscriber_replay_partitions set transaction_id = $4::bigint::text::xid8,"
            + " global_position = $5, replayed = replayed + $6, replay_overtaken = coalesce($7::text::jsonb, replay_overtaken),"
            + " updated_at = now() where subscriber = $1 and category = $2 and partition = $3";
    private static final String LEVEL = "update event_store.subscriber_replay_partitions set level = true, updated_at = now()"
            + " where subscriber = $1 and category = $2 and partition = $3";
    private static final String DELETE = "delete from event_store.subscriber_replay_partitions where subscriber = $1 and category = $2";

    /**
     * The category's partitions, in partition order; empty when its replay is not partitioned. Read with the category's
     * row locked ({@link Checkpoints#lock}), none is made or deleted meanwhile.
     */
    public Uni<List<Partition>> all(StoreTransaction tx, String subscriber, String category) {
        return tx.connection().preparedQuery(ALL).execute(Tuple.of(subscriber, category)).map(ReplayPartitions::partitions);
    }

    /** Whether the category's replay is in its partitioned phase: no page in store order may then be applied. */
    public Uni<Boolean> exist(StoreTransaction tx, String subscriber, String category) {
        return tx.connection().preparedQuery(EXIST).execute(Tuple.of(subscriber, category)).map(rows -> rows.iterator().next().getBoolean(0));
    }

    /**
     * Locks one partition of the phase that began at {@code start} and reads up to {@code until}, for a page or to mark
     * it level; empty when that phase ended (merged, or its subscriber retired).
     */
    public Uni<Optional<Partition>> lock(StoreTransaction tx, String subscriber, String category, Checkpoint start, Checkpoint until,
            int partition) {
        return tx.connection().preparedQuery(LOCK).execute(Tuple.from(List.<Object>of(subscriber, category, partition,
                        start.transactionId(), start.globalPosition(), until.transactionId(), until.globalPosition())))
                .map(rows -> rows.size() == 0 ? Optional.<Partition>empty() : Optional.of(partitions(rows).getFirst()));
    }

    /** The category's partitions, locked in partition order, after the category's row: to end the phase. */
    public Uni<List<Partition>> lockAll(StoreTransaction tx, String subscriber, String category) {
        return tx.connection().preparedQuery(LOCK_ALL).execute(Tuple.of(subscriber, category)).map(ReplayPartitions::partitions);
    }

    /**
     * Begins a partitioned phase: {@code partitions} rows at the category's checkpoint {@code from}, each to read up to
     * {@code until}, each with the category's overtaken streams (a partition forgets those of other partitions as it
     * reads past them). Call it with the category's row locked.
     */
    public Uni<Void> create(StoreTransaction tx, String subscriber, String category, int partitions, Checkpoint from, Checkpoint until,
            String overtaken) {
        return tx.connection().preparedQuery(CREATE).execute(Tuple.from(Arrays.asList(subscriber, category, partitions,
                from.transactionId(), from.globalPosition(), until.transactionId(), until.globalPosition(), overtaken))).replaceWithVoid();
    }

    /** A partition's page: as {@link Checkpoints#saveReplay}, for the partition. Call it with the partition locked. */
    public Uni<Void> save(StoreTransaction tx, String subscriber, String category, int partition, Checkpoint to, int replayed,
            String overtaken) {
        return tx.connection().preparedQuery(SAVE).execute(Tuple.from(Arrays.asList(subscriber, category, partition, to.transactionId(),
                to.globalPosition(), replayed, overtaken))).replaceWithVoid();
    }

    /** The partition read nothing more up to its bound. Call it with the partition locked. */
    public Uni<Void> level(StoreTransaction tx, String subscriber, String category, int partition) {
        return tx.connection().preparedQuery(LEVEL).execute(Tuple.of(subscriber, category, partition)).replaceWithVoid();
    }

    /** Ends the partitioned phase. Call it with the category's row locked. */
    public Uni<Void> delete(StoreTransaction tx, String subscriber, String category) {
        return tx.connection().preparedQuery(DELETE).execute(Tuple.of(subscriber, category)).replaceWithVoid();
    }

    private static List<Partition> partitions(RowSet<Row> rows) {
        List<Partition> found = new ArrayList<>();
        for (Row row : rows) {
            found.add(new Partition(row.getInteger(0), row.getInteger(1), new Checkpoint(row.getLong(2), row.getLong(3)),
                    new Checkpoint(row.getLong(4), row.getLong(5)), new Checkpoint(row.getLong(6), row.getLong(7)), row.getBoolean(8),
                    row.getLong(9), row.getString(10)));
        }
        return found;
    }
}
