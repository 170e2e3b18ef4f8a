-- A replay ends by writing every stream's row, a bounded number per transaction: one transaction writing
-- millions of rows would hold back the horizon of every reader of the store for as long as it ran (25-55 s
-- at 2.3 M streams). While a replay finishes, its checkpoint is frozen: no replica applies another replay
-- page, so the rows already written stay exact, and a replica that takes over resumes the finish.
-- Finishing is a phase of replaying: both end in one update.
alter table event_store.subscriber_checkpoints add column finishing boolean not null default false,
    add constraint subscriber_checkpoints_finishing_replays check (not finishing or replaying);
