-- Products and their stock: the state inventory-service decides with. Each row's version is its
-- product-<sku> stream's version: the optimistic lock of the row and the expected version of the
-- append are one number, so a state change and its event cannot drift apart.
create table inventory.products (
    sku            text    primary key,
    name           text    not null,
    price_amount   bigint  not null check (price_amount >= 0),
    price_currency text    not null check (price_currency ~ '^[A-Z]{3}$'),
    on_hand        int     not null check (on_hand >= 0),
    reserved       int     not null default 0 check (reserved >= 0 and reserved <= on_hand),
    version        int     not null
);
