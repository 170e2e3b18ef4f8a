-- How many events a view's replay has read so far, counted in each replay page's transaction, so that
-- a rebuild's progress adds up across the replicas that take turns applying its pages.
alter table event_store.subscriber_checkpoints add column replayed bigint not null default 0;
