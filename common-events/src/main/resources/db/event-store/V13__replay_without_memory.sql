-- A replay keeps no per-stream state in memory. Two things it needs from the store instead:
--
-- 1. The end of a replay writes each stream's row from the store, in bounded batches walked in stream id
--    order within the category (`max(stream_version)` up to the frozen checkpoint). This index makes each
--    batch a range read that stops after its streams; the positions ride along so the checkpoint filter
--    needs no visit to the table. One more index entry per append.
create index events_category_stream on event_store.events (category, stream_id, stream_version)
    include (transaction_id, global_position);

-- 2. What the replay must still remember across pages, committed with each page's checkpoint:
--    replay_overtaken: streams whose later version came first in store order (its transaction took its id
--    before its predecessor's, then waited for the stream's lock). The replay applied the missing versions
--    early, by gap repair; until it has read past them it must treat them as duplicates. A handful at most:
--    [{"stream": "order-1", "through": 3, "until": [transaction id, global position]}].
--    finish_after: the last stream id whose row the finish has written, so a resumed finish goes on from there.
alter table event_store.subscriber_checkpoints add column replay_overtaken jsonb not null default '[]',
    add column finish_after text;
