-- A long replay runs in partitions: the category's streams split by a hash of their id, each partition read
-- (filtered) and applied by its own worker, in its own transactions, up to a bound fixed when the partitions
-- were made (`until`: the store's head below the horizon then, so nothing at or before it changes). A stream
-- lies in one partition only, so its versions are applied in order; streams of different partitions are
-- applied in no particular order between each other, as the live path already applies them.
--
-- A row per partition while that phase runs; the category's checkpoint row stays where the phase began
-- (`start`), and no page in store order is applied while partition rows exist. Each page locks its partition's
-- row, of its phase (`start`, `until`), and moves the partition's checkpoint; whatever begins or ends the phase
-- locks the category's row first, then the partitions. `level`: the partition read nothing more up to `until`. When every partition is level, one
-- transaction moves the category's checkpoint to `until`, adds up the counts and the overtaken streams, and
-- deletes the rows; the replay goes on from there in store order.
create table event_store.subscriber_replay_partitions (
    subscriber       text    not null,
    category         text    not null,
    partition        int     not null,
    partitions       int     not null check (partitions > 1),
    start_tx         xid8    not null,
    start_position   bigint  not null,
    transaction_id   xid8    not null,
    global_position  bigint  not null,
    until_tx         xid8    not null,
    until_position   bigint  not null,
    level            boolean not null default false,
    replayed         bigint  not null default 0,
    replay_overtaken jsonb   not null default '[]',
    updated_at       timestamptz not null default now(),
    primary key (subscriber, category, partition),
    check (partition >= 0 and partition < partitions),
    foreign key (subscriber, category) references event_store.subscriber_checkpoints on delete cascade
);

-- Which partition of `partitions` a stream lies in: defined here, by md5, so it never changes under a replay that
-- spans an upgrade of Postgres (hashtext is an implementation detail). Inlined by the planner (plain SQL).
create function event_store.stream_partition(stream_id text, partitions int) returns int
    language sql immutable strict parallel safe
    as $$ select (('x' || left(md5(stream_id), 8))::bit(32)::int & 2147483647) % partitions $$;

grant select, insert, update, delete on event_store.subscriber_replay_partitions to eventshop_service;
grant execute on function event_store.stream_partition(text, int) to eventshop_service;
alter table event_store.subscriber_replay_partitions enable row level security;
create policy subscriber_replay_partitions_are_their_services on event_store.subscriber_replay_partitions
    using (split_part(subscriber, '.', 1) = any (array(select p.prefix from event_store.service_prefixes p join pg_roles r on r.rolname = p.owner where pg_has_role(r.oid, 'member'))));
