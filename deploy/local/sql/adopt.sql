-- A database made before eventshop had per-service roles: its objects belong to whoever made them
-- (postgres). This gives them to the roles that own them now, so that the next migrations (run by
-- eventshop_migrator) and the services (each with its own role) can work on it: the store and the
-- services' schemas to eventshop_migrator, views' generation schemas and query relations to the
-- service that makes them. Run by deploy/local/infra, once, as a superuser; nothing is deleted.
do $$
declare
    s record;
    o record;
    owner text;
begin
    execute format('alter database %I owner to eventshop_migrator', current_database());
    for s in select nspname from pg_namespace where nspname in ('event_store', 'orders', 'inventory', 'analytics') loop
        execute format('alter schema %I owner to eventshop_migrator', s.nspname);
        for o in select c.relname, c.relkind from pg_class c
                  where c.relnamespace = s.nspname::regnamespace and c.relkind in ('r', 'p', 'v') loop
            owner := case when o.relkind <> 'v' then 'eventshop_migrator'
                          when s.nspname = 'orders' then 'eventshop_order'
                          when s.nspname = 'analytics' then 'eventshop_analytics'
                          else 'eventshop_migrator' end;
            execute format('alter %s %I.%I owner to %I', case o.relkind when 'v' then 'view' else 'table' end,
                           s.nspname, o.relname, owner);
        end loop;
        for o in select p.oid::regprocedure as signature from pg_proc p where p.pronamespace = s.nspname::regnamespace loop
            execute format('alter function %s owner to eventshop_migrator', o.signature);
        end loop;
    end loop;
    for s in select nspname from pg_namespace where nspname ~ '^(orders|analytics)_.+_g[0-9]+$' loop
        owner := case when s.nspname like 'orders\_%' then 'eventshop_order' else 'eventshop_analytics' end;
        execute format('alter schema %I owner to %I', s.nspname, owner);
        for o in select c.relname from pg_class c where c.relnamespace = s.nspname::regnamespace and c.relkind in ('r', 'p') loop
            execute format('alter table %I.%I owner to %I', s.nspname, o.relname, owner);
        end loop;
    end loop;
end $$;
