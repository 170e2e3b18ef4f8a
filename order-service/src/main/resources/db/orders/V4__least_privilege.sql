-- The service's own schema: its login role (eventshop_order) reads and writes its tables, and makes its views' query
-- relations here; the tables belong to the role that migrates them, and the migration history is not the
-- service's to touch. (The store's privileges: common-events, event_store V10.)
grant usage, create on schema orders to eventshop_order;
grant select, insert, update, delete on all tables in schema orders to eventshop_order;
revoke all on orders.flyway_schema_history from eventshop_order;
alter default privileges in schema orders grant select, insert, update, delete on tables to eventshop_order;
