-- Work over a row per stream of a category runs a bounded number of rows per transaction: one transaction over
-- millions of rows holds back the horizon of every reader of the store for as long as it runs (tens of seconds
-- at 2.3 M streams). Two such tasks live in the checkpoint row while they run: a new reactor's seeding at the
-- head (rows written up to the checkpoint) and a reposition (rows moved back to the checkpoint). Meanwhile the
-- checkpoint is frozen and the category applies nothing: no catch-up page, no live delivery. rows_cursor is where
-- the next transaction goes on (a store position for a seeding, a stream id for a reposition); rows_done counts
-- the rows written or moved so far, and stays after the task as its result.
alter table event_store.subscriber_checkpoints add column rows_task text, add column rows_cursor text,
    add column rows_done bigint not null default 0,
    add constraint subscriber_checkpoints_rows_task check (rows_task in ('SEEDING', 'REPOSITIONING')),
    add constraint subscriber_checkpoints_rows_task_not_replaying check (rows_task is null or not replaying);
