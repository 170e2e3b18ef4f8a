-- A dead letter belongs to a subscriber and to its lineage: a view generation (analytics.sales.g3) is a
-- copy of its view (analytics.sales). An operator's skip holds for the whole lineage, so a rebuild that
-- meets the same event and cannot apply it either passes over it instead of stopping there.
alter table event_store.dead_letters add column lineage text;
update event_store.dead_letters set lineage = subscriber;
alter table event_store.dead_letters alter column lineage set not null;
create index dead_letters_skipped_in_lineage on event_store.dead_letters (lineage, event_id) where status = 'SKIPPED';

-- Every view lives in generations (common-events' io.eventshop.view): a generation is a schema of its
-- own (<schema>_<view>_g<N>) with the view's tables, filled by its own subscriber (<view name>.g<N>).
-- Queries read the LIVE one through stable relations (<schema>.<view>_<table>, SQL views re-pointed in
-- the switch-over's transaction). A rebuild is a SHADOW generation replaying the store beside it.
create table event_store.view_generations (
    view               text        not null,   -- the view's subscriber name, e.g. analytics.sales
    generation         int         not null,
    role               text        not null check (role in ('LIVE', 'SHADOW', 'RETIRED', 'FAILED')),
    definition_version int         not null,
    -- false while a first generation fills itself from the store: queries answer 503 until then
    ready              boolean     not null default false,
    created_at         timestamptz not null default now(),
    -- events in the view's categories when a rebuild started: the "of total" of its progress
    total_events       bigint,
    switched_at        timestamptz,
    retired_at         timestamptz,
    dropped_at         timestamptz,
    error              text,
    primary key (view, generation)
);
create unique index view_generations_one_live on event_store.view_generations (view) where role = 'LIVE';
create unique index view_generations_one_shadow on event_store.view_generations (view) where role = 'SHADOW';
