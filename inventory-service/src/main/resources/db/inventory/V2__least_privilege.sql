-- The service's own schema: its login role (eventshop_inventory) reads and writes its tables (it has no views,
-- so it makes nothing here); the tables belong to the role that migrates them, and the migration history is
-- not the service's to touch. (The store's privileges: common-events, event_store V10.)
grant usage on schema inventory to eventshop_inventory;
grant select, insert, update, delete on all tables in schema inventory to eventshop_inventory;
revoke all on inventory.flyway_schema_history from eventshop_inventory;
alter default privileges in schema inventory grant select, insert, update, delete on tables to eventshop_inventory;
