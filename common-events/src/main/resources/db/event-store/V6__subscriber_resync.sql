-- Resolving a dead letter marks its stream for a resync (apply the stream's waiting versions up to its
-- head) in the same transaction as the resolution, so a crash right after cannot strand the waiting
-- events. Each skip adds the one version to pass over without its handler; versions drop out of the
-- list once the stream is applied past them.
alter table event_store.subscriber_streams add column resync boolean not null default false;
alter table event_store.subscriber_streams add column skip_versions int[] not null default '{}';
create index subscriber_streams_resync on event_store.subscriber_streams (subscriber) where resync;
