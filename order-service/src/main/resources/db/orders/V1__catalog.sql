-- The catalog as order-service knows it, built from product events by the order.catalog view: what
-- orders are priced from. No service asks another over HTTP.
create table orders.catalog (
    sku            text   primary key,
    name           text   not null,
    price_amount   bigint not null,
    price_currency text   not null
);
