-- An index of orders by shopper, newest first, kept in the same transaction as each order event; the
-- order itself is its order-<id> stream (event-sourced).
create table orders.orders (
    order_id       uuid        primary key,
    shopper_id     text        not null,
    status         text        not null,
    total_amount   bigint      not null,
    total_currency text        not null,
    placed_at      timestamptz not null
);
create index orders_by_shopper on orders.orders (shopper_id, placed_at desc, order_id desc);

-- Idempotency-Key per shopper, recorded in the same transaction as the OrderPlaced event: a retried
-- request finds its order; the same key with another body is refused.
create table orders.idempotency_keys (
    shopper_id   text        not null,
    key          text        not null,
    request_hash text        not null,
    order_id     uuid        not null,
    created_at   timestamptz not null default now(),
    primary key (shopper_id, key)
);
