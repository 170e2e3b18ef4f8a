-- How far each subscriber has applied each stream. Applying an event locks the subscriber's row for
-- its stream, so replicas competing on one queue, the catch-up reader and redelivered messages all
-- serialise per stream: each version is applied once, in order.
create table event_store.subscriber_streams (
    subscriber   text not null,
    stream_id    text not null,
    last_version int  not null,
    primary key (subscriber, stream_id)
);
