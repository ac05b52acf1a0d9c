-- Facts of the star schema (columns and grains as in docs/contracts.md).
-- Keys are not declared (see 10_star_dimensions.sql); foreign keys point to the
-- dimensions' surrogate keys, with -1 for the unknown member.

-- Grain and key: one row per session (session_id).
CREATE TABLE IF NOT EXISTS star.fact_network_traffic (
    session_id     VARCHAR(128)  NOT NULL ENCODE ZSTD,
    date_key       INTEGER       NOT NULL ENCODE RAW,   -- sort key column: left raw
    customer_key   BIGINT        ENCODE AZ64,
    campaign_key   BIGINT        ENCODE AZ64,
    session_start  TIMESTAMP     ENCODE AZ64,
    session_end    TIMESTAMP     ENCODE AZ64,
    duration_s     BIGINT        ENCODE AZ64,
    page_views     BIGINT        ENCODE AZ64,
    click_events   BIGINT        ENCODE AZ64,
    asset_requests BIGINT        ENCODE AZ64,
    bytes_sent     BIGINT        ENCODE AZ64,
    errors_4xx     BIGINT        ENCODE AZ64,
    errors_5xx     BIGINT        ENCODE AZ64,
    is_bot         BOOLEAN       ENCODE ZSTD,
    device_class   VARCHAR(16)   ENCODE ZSTD,           -- desktop, mobile, tablet, bot, other
    landing_path   VARCHAR(4096) ENCODE ZSTD,           -- URL path in bytes; longer values are quarantined
    is_bounce      BOOLEAN       ENCODE ZSTD
)
DISTSTYLE EVEN       -- most sessions are anonymous (customer_key -1): a customer DISTKEY would put them on one slice
SORTKEY (date_key);  -- loads replace one date and reports filter on date ranges

-- Grain and key: one row per payment (payment_id).
CREATE TABLE IF NOT EXISTS star.fact_transactions (
    payment_id     BIGINT         NOT NULL ENCODE AZ64,
    order_id       BIGINT         ENCODE AZ64,
    date_key       INTEGER        NOT NULL ENCODE RAW,
    customer_key   BIGINT         ENCODE AZ64,
    campaign_key   BIGINT         ENCODE AZ64,
    payment_ts     TIMESTAMP      ENCODE AZ64,
    amount         DECIMAL(12, 2) ENCODE AZ64,
    currency       CHAR(3)        ENCODE ZSTD,
    amount_usd     DECIMAL(14, 2) ENCODE AZ64,
    payment_status VARCHAR(16)    ENCODE ZSTD,  -- CAPTURED, FAILED, REFUNDED
    payment_method VARCHAR(32)    ENCODE ZSTD,
    coupon_code    VARCHAR(64)    ENCODE ZSTD   -- NULL, '' and 'None' are three different values
)
DISTSTYLE KEY
DISTKEY (customer_key)  -- every payment has a known customer: co-located with dim_customer
SORTKEY (date_key);

-- Grain and key: one row per order line (order_id, line_no).
CREATE TABLE IF NOT EXISTS star.fact_product_sales (
    order_id        BIGINT         NOT NULL ENCODE AZ64,
    line_no         INTEGER        NOT NULL ENCODE AZ64,
    date_key        INTEGER        NOT NULL ENCODE RAW,
    product_key     BIGINT         ENCODE AZ64,
    customer_key    BIGINT         ENCODE AZ64,
    quantity        INTEGER        ENCODE AZ64,
    unit_price      DECIMAL(12, 2) ENCODE AZ64,
    line_amount     DECIMAL(12, 2) ENCODE AZ64,
    currency        CHAR(3)        ENCODE ZSTD,
    line_amount_usd DECIMAL(14, 2) ENCODE AZ64,
    order_status    VARCHAR(16)    ENCODE ZSTD  -- NEW, PAID, SHIPPED, DELIVERED, CANCELLED, REFUNDED
)
DISTSTYLE KEY
DISTKEY (customer_key)  -- every order has a known customer: co-located with dim_customer and transactions
SORTKEY (date_key);

-- Grain and key: one row per campaign event (event_id).
CREATE TABLE IF NOT EXISTS star.fact_campaign_interactions (
    event_id     VARCHAR(128) NOT NULL ENCODE ZSTD,
    date_key     INTEGER      NOT NULL ENCODE RAW,
    campaign_key BIGINT       ENCODE AZ64,
    customer_key BIGINT       ENCODE AZ64,
    event_type   VARCHAR(16)  ENCODE ZSTD,  -- sent, open, click
    event_ts     TIMESTAMP    ENCODE AZ64
)
DISTSTYLE KEY
DISTKEY (customer_key)  -- campaign e-mails go to known customers: joins to dim_customer stay local
SORTKEY (date_key);
