package io.eventshop.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventshop.events.StreamId;
import io.eventshop.testing.LocalDatabaseResource;
import io.eventshop.testing.StoreFixture;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Appends join a Hibernate Reactive transaction: entity changes and events commit together or not at all. */
@QuarkusTest
@WithTestResource(LocalDatabaseResource.class)
class HibernateReactiveAtomicityTest {

    @Inject
    Mutiny.SessionFactory sessions;
    @Inject
    EventStore store;
    @Inject
    Pool pool;

    @BeforeEach
    void table() {
        pool.query("create schema if not exists atomicity_test").execute()
                .chain(() -> pool.query("create table if not exists atomicity_test.accounts (id uuid primary key, balance int not null)").execute())
                .await().indefinitely();
    }

    @Test
    void an_entity_and_the_events_appended_in_its_session_commit_together() throws Throwable {
        UUID id = UUID.randomUUID();
        StreamId stream = StreamId.of("account", id);

        List<StoredEvent> stored = onContext(() -> sessions.withTransaction(session -> session.persist(Account.opened(id, 100))
                .chain(() -> store.append(session, stream, ExpectedVersion.NO_STREAM, StoreFixture.events(2, "opened")))));

        assertThat(stored).extracting(StoredEvent::streamVersion).containsExactly(1, 2);
        assertThat(stored.get(0).position()).isLessThan(stored.get(1).position());
        assertThat(balance(id)).isEqualTo(100);
        assertThat(store.readStream(stream, 1).map(StoredEvent::eventId).collect().asList().await().indefinitely())
                .containsExactly(stored.get(0).eventId(), stored.get(1).eventId());
    }

    @Test
    void when_the_session_work_fails_after_appending_neither_the_entity_nor_the_events_remain() {
        UUID id = UUID.randomUUID();
        StreamId stream = StreamId.of("account", id);

        assertThatThrownBy(() -> onContext(() -> sessions.withTransaction(session -> session.persist(Account.opened(id, 100))
                .chain(() -> store.append(session, stream, ExpectedVersion.NO_STREAM, StoreFixture.events(1, "opened")))
                .invoke(stored -> {
                    throw new IllegalStateException("the use case failed after appending");
                }))))
                .hasMessageContaining("the use case failed after appending");

        assertThat(balance(id)).isNull();
        assertThat(store.streamVersion(stream).await().indefinitely()).isZero();
    }

    @Test
    void a_conflicting_append_is_the_typed_conflict_and_rolls_the_entity_back() throws Throwable {
        UUID id = UUID.randomUUID();
        StreamId stream = StreamId.of("account", id);
        onContext(() -> sessions.withTransaction(session ->
                store.append(session, stream, ExpectedVersion.NO_STREAM, StoreFixture.events(3, "opened"))));

        assertThatThrownBy(() -> onContext(() -> sessions.withTransaction(session -> session.persist(Account.opened(id, 5))
                .chain(() -> store.append(session, stream, ExpectedVersion.exactly(1), StoreFixture.events(1, "late"))))))
                .isInstanceOf(StreamVersionConflictException.class)
                .hasMessage(stream + " is at version 3, expected 1");

        assertThat(balance(id)).isNull();
        assertThat(store.streamVersion(stream).await().indefinitely()).isEqualTo(3);
    }

    // Hibernate Reactive sessions live on a Vert.x context; test threads are not on one.
    private static <T> T onContext(Supplier<Uni<T>> work) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(work);
    }

    private Integer balance(UUID id) {
        var rows = pool.preparedQuery("select balance from atomicity_test.accounts where id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(id)).await().indefinitely();
        return rows.size() == 0 ? null : rows.iterator().next().getInteger(0);
    }
}
