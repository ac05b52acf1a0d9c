-- Reference DDL of the source database (schema shop), as the data contracts define it.
-- Every table has a primary key and REPLICA IDENTITY FULL: the replicator needs the key to
-- write updates and deletes, and the full old row to write complete delete rows and to fill
-- TOAST values that an UPDATE left unchanged.

CREATE SCHEMA IF NOT EXISTS shop;

CREATE TABLE IF NOT EXISTS shop.customers (
    customer_id bigint PRIMARY KEY,
    email       text,
    first_name  text,
    last_name   text,
    country     char(2),
    city        text,
    signup_at   timestamptz,
    updated_at  timestamptz
);

CREATE TABLE IF NOT EXISTS shop.campaigns (
    campaign_id text PRIMARY KEY,
    name        text,
    channel     text,
    start_date  date,
    end_date    date,
    budget      numeric(12,2),
    currency    char(3)
);

CREATE TABLE IF NOT EXISTS shop.orders (
    order_id     bigint PRIMARY KEY,
    customer_id  bigint REFERENCES shop.customers (customer_id),
    order_ts     timestamptz,
    status       text,
    currency     char(3),
    total_amount numeric(12,2),
    campaign_id  text NULL REFERENCES shop.campaigns (campaign_id),
    updated_at   timestamptz
);

CREATE TABLE IF NOT EXISTS shop.order_lines (
    order_id   bigint REFERENCES shop.orders (order_id),
    line_no    int,
    product_id text,
    quantity   int,
    unit_price numeric(12,2),
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE IF NOT EXISTS shop.payments (
    payment_id  bigint PRIMARY KEY,
    order_id    bigint REFERENCES shop.orders (order_id),
    paid_at     timestamptz,
    amount      numeric(12,2),
    currency    char(3),
    method      text,
    status      text,
    coupon_code text NULL
);

ALTER TABLE shop.customers   REPLICA IDENTITY FULL;
ALTER TABLE shop.campaigns   REPLICA IDENTITY FULL;
ALTER TABLE shop.orders      REPLICA IDENTITY FULL;
ALTER TABLE shop.order_lines REPLICA IDENTITY FULL;
ALTER TABLE shop.payments    REPLICA IDENTITY FULL;
