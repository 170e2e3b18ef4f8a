-- Least privilege. The store's tables belong to the role that migrates them; services log in with roles
-- of their own that get only what they need, through group roles:
--   eventshop_service             reads the store; keeps its subscribers', relays' and views' rows.
--   eventshop_writes_<category>   appends events of that category (order-service: order; inventory-service:
--                                 product, reservation; analytics-service: none).
-- The login roles (eventshop_order, eventshop_inventory, eventshop_analytics, eventshop_migrator) are made by
-- whoever runs Postgres (deploy/local/infra here; the cluster's managed roles in Kubernetes), as members of
-- these groups. The groups are made here when missing and this role may; otherwise the migration says so.
do $$
declare
    r text;
begin
    foreach r in array array['eventshop_service', 'eventshop_writes_order', 'eventshop_writes_product',
                             'eventshop_writes_reservation'] loop
        if not exists (select from pg_roles where rolname = r) then
            if not (select rolsuper or rolcreaterole from pg_roles where rolname = current_user) then
                raise exception 'role % is missing and % may not create it: create the eventshop roles first (deploy/local/infra does)', r, current_user;
            end if;
            execute format('create role %I nologin', r);
        end if;
    end loop;
    -- Generation schemas of views (<schema>_<view>_g<N>) are made by the services at run time.
    execute format('grant connect, create on database %I to eventshop_service', current_database());
end $$;

revoke all on schema event_store from public;
grant usage on schema event_store to eventshop_service;

-- Reading the store is every service's right; appending is its writers'.
grant select on event_store.events to eventshop_service;
grant insert on event_store.events to eventshop_writes_order, eventshop_writes_product, eventshop_writes_reservation;
revoke execute on function event_store.append_events(text, text, int, json, boolean) from public;
grant execute on function event_store.append_events(text, text, int, json, boolean)
    to eventshop_writes_order, eventshop_writes_product, eventshop_writes_reservation;

-- Which group may append which category; checked on every inserted row, so no service can write another's
-- facts, whether through append_events or a bare insert. Owners (the migrator) and superusers pass RLS.
create table event_store.category_writers (
    category text primary key,
    writer   name not null
);
insert into event_store.category_writers values
    ('order', 'eventshop_writes_order'),
    ('product', 'eventshop_writes_product'),
    ('reservation', 'eventshop_writes_reservation');
grant select on event_store.category_writers to eventshop_service;

-- A row is the writer's only when all of it is: its category, the stream it names (<category>-<id>) and its
-- type (io.eventshop.<category>.<name>); otherwise order-service could append a StockReserved to a
-- reservation-<id> stream under the category 'order', and whoever reads that stream would fold it.
alter table event_store.events enable row level security;
create policy events_are_read_by_all on event_store.events for select using (true);
create policy events_are_appended_by_their_writers on event_store.events for insert
    with check (category = any (array(select w.category from event_store.category_writers w join pg_roles r on r.rolname = w.writer where pg_has_role(r.oid, 'member')))
                and stream_id like category || '-%'
                and type like 'io.eventshop.' || category || '.%');

-- The runtime's own rows: subscribers, relays, dead letters and view generations. A subscriber's (and a view's)
-- name starts with its service's prefix (order.saga, analytics.sales.g2), and each service keeps only its own
-- rows: none can skip another's versions, move its checkpoints, resolve its dead letters or retire its views.
-- The arrays are computed once per statement; a role that does not exist (a service not deployed) matches
-- nothing. Owners and superusers pass row-level security: the migration role, and tests that play every service.
create table event_store.service_prefixes (
    prefix text primary key,
    owner  name not null
);
insert into event_store.service_prefixes values
    ('order', 'eventshop_order'),
    ('inventory', 'eventshop_inventory'),
    ('analytics', 'eventshop_analytics');
grant select on event_store.service_prefixes to eventshop_service;

grant select, insert, update, delete on event_store.relay_checkpoints, event_store.subscriber_streams,
    event_store.subscriber_checkpoints, event_store.dead_letters, event_store.view_generations to eventshop_service;
grant usage, select on all sequences in schema event_store to eventshop_service;

alter table event_store.subscriber_streams enable row level security;
create policy subscriber_streams_are_their_services on event_store.subscriber_streams
    using (split_part(subscriber, '.', 1) = any (array(select p.prefix from event_store.service_prefixes p join pg_roles r on r.rolname = p.owner where pg_has_role(r.oid, 'member'))));
alter table event_store.subscriber_checkpoints enable row level security;
create policy subscriber_checkpoints_are_their_services on event_store.subscriber_checkpoints
    using (split_part(subscriber, '.', 1) = any (array(select p.prefix from event_store.service_prefixes p join pg_roles r on r.rolname = p.owner where pg_has_role(r.oid, 'member'))));
alter table event_store.dead_letters enable row level security;
create policy dead_letters_are_their_services on event_store.dead_letters
    using (split_part(subscriber, '.', 1) = any (array(select p.prefix from event_store.service_prefixes p join pg_roles r on r.rolname = p.owner where pg_has_role(r.oid, 'member'))));
alter table event_store.view_generations enable row level security;
create policy view_generations_are_their_services on event_store.view_generations
    using (split_part(view, '.', 1) = any (array(select p.prefix from event_store.service_prefixes p join pg_roles r on r.rolname = p.owner where pg_has_role(r.oid, 'member'))));
-- Relay checkpoints stay open to every service: one moved by the wrong service loses doorbells at worst, which
-- catch-up repairs from the store; and a service's tests relay the other services' categories.
