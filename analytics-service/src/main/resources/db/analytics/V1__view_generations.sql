-- Each analytics view lives in generations: a generation is a schema (analytics_<view>_g<N>) with the
-- view's tables, filled by its own subscriber (analytics.<view>.g<N>). Queries read the LIVE one through
-- stable relations (analytics.<view>_<table>, SQL views that the switch-over re-points in one
-- transaction). A rebuild is a SHADOW generation replaying the store beside the live one.
create table analytics.view_generations (
    view               text        not null,
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
create unique index view_generations_one_live on analytics.view_generations (view) where role = 'LIVE';
create unique index view_generations_one_shadow on analytics.view_generations (view) where role = 'SHADOW';
