-- A new view first replays the store on its own (no live consumer, no per-stream rows: the reader
-- keeps each stream's version in memory), then writes the per-stream rows once and goes live.
alter table event_store.subscriber_checkpoints add column replaying boolean not null default false;
