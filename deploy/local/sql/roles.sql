-- eventshop's Postgres roles, made by deploy/local/infra (safe to run again; psql as a superuser).
-- One login per service and one for migrations; the privileges come with the store's and the services'
-- migrations (event_store V10 and each service's *_least_privilege migration), through these groups:
--   eventshop_service             reads the store, keeps its subscribers', relays' and views' rows
--   eventshop_writes_<category>   appends that category's events
-- No passwords here: the local cluster trusts loopback. Production gives each login a password of its own
-- (a Secret per service) and the services' prod profile refuses to start without one.
do $$
declare
    r text;
begin
    foreach r in array array['eventshop_service', 'eventshop_writes_order', 'eventshop_writes_product',
                             'eventshop_writes_reservation'] loop
        if not exists (select from pg_roles where rolname = r) then
            execute format('create role %I nologin', r);
        end if;
    end loop;
    foreach r in array array['eventshop_migrator', 'eventshop_order', 'eventshop_inventory', 'eventshop_analytics'] loop
        if not exists (select from pg_roles where rolname = r) then
            execute format('create role %I login', r);
        end if;
    end loop;
end $$;

grant eventshop_service to eventshop_order, eventshop_inventory, eventshop_analytics;
grant eventshop_writes_order to eventshop_order;
grant eventshop_writes_product, eventshop_writes_reservation to eventshop_inventory;
-- The store's horizon-age gauge reads other sessions' transaction ids (pg_stat_activity); without this it sees
-- only its own sessions and reports about 0. Reading statistics only.
grant pg_read_all_stats to eventshop_order, eventshop_inventory, eventshop_analytics;
revoke pg_monitor from eventshop_order, eventshop_inventory, eventshop_analytics;
-- Migrations of the services' own schemas grant to the login roles; the store's to the groups.
