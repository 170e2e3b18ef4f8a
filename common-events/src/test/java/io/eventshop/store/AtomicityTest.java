package io.eventshop.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.events.EventMetadata;
import io.eventshop.events.NewEvent;
import io.eventshop.events.StreamId;
import io.eventshop.testing.StoreFixture;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A state change and the events that record it commit together or not at all (no dual write). */
class AtomicityTest {

    static StoreFixture fx;
    static EventStore store;

    @BeforeAll
    static void open() {
        fx = StoreFixture.open(4);
        store = fx.store;
        // The table is HibernateReactiveAtomicityTest's too, which connects as the migration role: whichever of the two
        // runs first on a fresh database, the role owns it (made by this superuser fixture, it would lock that test out).
        fx.pool.query("create schema if not exists atomicity_test authorization eventshop_migrator").execute()
                .chain(() -> fx.pool.query("create table if not exists atomicity_test.accounts (id uuid primary key, balance int not null)").execute())
                .chain(() -> fx.pool.query("alter schema atomicity_test owner to eventshop_migrator").execute())
                .chain(() -> fx.pool.query("alter table atomicity_test.accounts owner to eventshop_migrator").execute())
                .await().indefinitely();
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    @Test
    void a_committed_state_change_and_its_events_are_both_stored_and_counted() {
        UUID account = UUID.randomUUID();
        StreamId stream = StreamId.of("account", account);
        double countedBefore = appendedCount();

        store.inTransaction(tx -> tx.connection().preparedQuery("insert into atomicity_test.accounts values ($1, 100)")
                .execute(Tuple.of(account))
                .chain(() -> store.append(tx, stream, ExpectedVersion.NO_STREAM, StoreFixture.events(2, "opened"))))
                .await().indefinitely();

        assertThat(balance(account)).isEqualTo(100);
        assertThat(store.streamVersion(stream).await().indefinitely()).isEqualTo(2);
        assertThat(appendedCount() - countedBefore).isEqualTo(2);
    }

    @Test
    void an_event_whose_source_is_not_a_uri_reference_is_refused_and_nothing_is_stored() {
        StreamId stream = StreamId.of("account", UUID.randomUUID());
        var event = StoreFixture.events(1, "opened").getFirst();
        var unpublishable = new NewEvent(event.eventId(), event.type(), event.schemaVersion(), event.data(),
                new EventMetadata(null, null, "order service", null, null), event.occurredAt());

        assertThatThrownBy(() -> store.inTransaction(tx -> store.append(tx, stream, ExpectedVersion.NO_STREAM, List.of(unpublishable)))
                .await().indefinitely())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("source must be a URI reference");
        assertThat(store.streamVersion(stream).await().indefinitely()).isZero();
    }

    @Test
    void when_the_work_fails_after_appending_neither_the_state_change_nor_the_events_remain() {
        UUID account = UUID.randomUUID();
        StreamId stream = StreamId.of("account", account);
        double countedBefore = appendedCount();

        assertThatThrownBy(() -> store.inTransaction(tx -> tx.connection()
                        .preparedQuery("insert into atomicity_test.accounts values ($1, 100)").execute(Tuple.of(account))
                        .chain(() -> store.append(tx, stream, ExpectedVersion.NO_STREAM, StoreFixture.events(2, "opened")))
                        .invoke(stored -> {
                            throw new IllegalStateException("the use case failed after appending");
                        }))
                .await().indefinitely()).hasMessage("the use case failed after appending");

        assertThat(balance(account)).as("state row rolled back").isNull();
        assertThat(store.streamVersion(stream).await().indefinitely()).as("events rolled back").isZero();
        assertThat(appendedCount() - countedBefore).as("rolled-back appends are not counted").isZero();
    }

    @Test
    void when_the_append_conflicts_the_state_change_made_before_it_is_rolled_back() {
        UUID account = UUID.randomUUID();
        StreamId stream = StreamId.of("account", account);
        store.inTransaction(tx -> store.append(tx, stream, ExpectedVersion.NO_STREAM, StoreFixture.events(1, "opened")))
                .await().indefinitely();

        assertThatThrownBy(() -> store.inTransaction(tx -> tx.connection()
                        .preparedQuery("insert into atomicity_test.accounts values ($1, 50)").execute(Tuple.of(account))
                        .chain(() -> store.append(tx, stream, ExpectedVersion.NO_STREAM, StoreFixture.events(1, "again"))))
                .await().indefinitely()).isInstanceOf(StreamVersionConflictException.class);

        assertThat(balance(account)).isNull();
        assertThat(store.streamVersion(stream).await().indefinitely()).isEqualTo(1);
    }

    private static Integer balance(UUID account) {
        var rows = fx.pool.preparedQuery("select balance from atomicity_test.accounts where id = $1")
                .execute(Tuple.of(account)).await().indefinitely();
        return rows.size() == 0 ? null : rows.iterator().next().getInteger(0);
    }

    private static double appendedCount() {
        var counter = fx.meters.find("eventshop.store.appended").tag("category", "account").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void after_commit_actions_run_once_the_transaction_committed_and_never_after_a_rollback() {
        List<String> ran = new CopyOnWriteArrayList<>();

        store.inTransaction(tx -> {
            tx.afterCommit(() -> ran.add("committed"));
            assertThat(ran).as("not before the commit").isEmpty();
            return io.smallrye.mutiny.Uni.createFrom().voidItem();
        }).await().indefinitely();
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.afterCommit(() -> ran.add("rolled back"));
            return io.smallrye.mutiny.Uni.createFrom().failure(new IllegalStateException("no"));
        }).await().indefinitely()).hasMessage("no");

        assertThat(ran).containsExactly("committed");
    }
}
