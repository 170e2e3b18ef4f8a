-- The catalog is a view kept in generations (common-events' io.eventshop.view): its table now lives in a
-- schema per generation (orders_catalog_g<N>) and queries read orders.catalog_products, an SQL view over
-- the live copy. The first start after this migration fills a fresh copy from the store; the old table's
-- rows are exactly what that replay makes again.
drop table orders.catalog;
