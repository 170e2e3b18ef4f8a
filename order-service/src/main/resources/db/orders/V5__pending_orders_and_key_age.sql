-- The saga's deadline looks for pending orders, oldest first: a small index, since most orders are decided.
create index orders_pending on orders.orders (placed_at) where status = 'PENDING';
-- Idempotency-Keys expire (24 h by default) and are purged oldest first.
create index idempotency_keys_by_age on orders.idempotency_keys (created_at);
