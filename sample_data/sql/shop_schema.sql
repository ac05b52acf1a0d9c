-- Source schema of the synthetic shop (PostgreSQL), recreated by every `shoplake generate` run.
--
-- REPLICA IDENTITY: every table has a primary key and REPLICA IDENTITY FULL, so
-- UPDATE and DELETE rows in the WAL carry the whole old row. The replicator
-- (like AWS DMS) then writes complete `D` rows and can fill in unchanged
-- TOASTed text, which DEFAULT would leave out.

DROP SCHEMA IF EXISTS shop CASCADE;
CREATE SCHEMA shop;

CREATE TABLE shop.customers (
    customer_id bigint PRIMARY KEY,
    email text NOT NULL,
    first_name text,
    last_name text,
    country char(2),
    city text,
    signup_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE shop.campaigns (
    campaign_id text PRIMARY KEY,
    name text NOT NULL,
    channel text NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL,
    budget numeric(12, 2),
    currency char(3)
);

CREATE TABLE shop.orders (
    order_id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customers (customer_id),
    order_ts timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('NEW', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'REFUNDED')),
    currency char(3) NOT NULL,
    total_amount numeric(12, 2) NOT NULL,
    campaign_id text REFERENCES shop.campaigns (campaign_id),
    updated_at timestamptz NOT NULL
);

CREATE TABLE shop.order_lines (
    order_id bigint NOT NULL REFERENCES shop.orders (order_id),
    line_no int NOT NULL,
    product_id text NOT NULL,
    quantity int NOT NULL,
    unit_price numeric(12, 2) NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE shop.payments (
    payment_id bigint PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES shop.orders (order_id),
    paid_at timestamptz NOT NULL,
    amount numeric(12, 2) NOT NULL,
    currency char(3) NOT NULL,
    method text NOT NULL,
    status text NOT NULL CHECK (status IN ('CAPTURED', 'FAILED', 'REFUNDED')),
    coupon_code text
);

CREATE INDEX orders_customer_id_idx ON shop.orders (customer_id);
CREATE INDEX payments_order_id_idx ON shop.payments (order_id);

ALTER TABLE shop.customers REPLICA IDENTITY FULL;
ALTER TABLE shop.campaigns REPLICA IDENTITY FULL;
ALTER TABLE shop.orders REPLICA IDENTITY FULL;
ALTER TABLE shop.order_lines REPLICA IDENTITY FULL;
ALTER TABLE shop.payments REPLICA IDENTITY FULL;
