-- The service's own schema: its login role (eventshop_analytics) reads and writes its tables, and makes its views' query
-- relations here; the tables belong to the role that migrates them, and the migration history is not the
-- service's to touch. (The store's privileges: common-events, event_store V10.)
grant usage, create on schema analytics to eventshop_analytics;
grant select, insert, update, delete on all tables in schema analytics to eventshop_analytics;
revoke all on analytics.flyway_schema_history from eventshop_analytics;
alter default privileges in schema analytics grant select, insert, update, delete on tables to eventshop_analytics;
