-- A stream is parked for a subscriber while one of its events is dead-lettered: later events of the
-- stream are not applied (order holds) until an admin redrives or skips.
alter table event_store.subscriber_streams add column parked_version int;

-- How far each subscriber's catch-up reader has read each category (the ordering rule's checkpoint),
-- written in the same transaction as the events it applied.
create table event_store.subscriber_checkpoints (
    subscriber      text        not null,
    category        text        not null,
    transaction_id  xid8        not null,
    global_position bigint      not null,
    updated_at      timestamptz not null default now(),
    primary key (subscriber, category)
);

-- Poison, kept with what it takes to decide and act: the reason, how often it was tried and the
-- original body. The broker's dead-letter queue only holds a second copy (its DLX is at-most-once).
create table event_store.dead_letters (
    id              bigint      generated always as identity primary key,
    subscriber      text        not null,
    event_id        uuid,                 -- null when the message could not even be read as an event
    stream_id       text,
    stream_version  int,
    type            text,
    reason          text        not null,
    attempts        int         not null,
    body            text        not null,
    status          text        not null default 'OPEN' check (status in ('OPEN', 'REDRIVEN', 'SKIPPED')),
    first_failed_at timestamptz not null default now(),
    last_failed_at  timestamptz not null default now(),
    resolved_at     timestamptz
);
-- One open dead letter per event and subscriber: the live path and the catch-up reader may both trip on it.
create unique index dead_letters_open_event on event_store.dead_letters (subscriber, event_id)
    where status = 'OPEN' and event_id is not null;
create index dead_letters_by_subscriber on event_store.dead_letters (subscriber, status, id);
