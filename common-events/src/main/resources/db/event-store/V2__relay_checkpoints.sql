-- Where each category's relay has published up to: the store position of the last event the
-- broker confirmed. Written only by the relay that holds the category's advisory lock, and only
-- forward (see RelayCheckpoints): a crash between confirm and save re-publishes, never skips.
create table event_store.relay_checkpoints (
    category        text        primary key,
    transaction_id  xid8        not null,
    global_position bigint      not null,
    updated_at      timestamptz not null default now()
);
