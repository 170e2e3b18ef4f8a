-- GET /admin/flows/{correlationId} lists every event of one flow in store order. Without this index that is a
-- scan of all events (seconds at millions); with it, an index range read in (transaction_id, global_position)
-- order, so the query needs no sort either. Partial: events without a correlation id cost nothing to index.
-- One more index entry per append: measured in DECISIONS (tracing).
create index events_by_correlation on event_store.events ((metadata ->> 'correlation_id'), transaction_id, global_position)
    where metadata ->> 'correlation_id' is not null;
