-- Dimensions of the star schema (columns as in docs/contracts.md).
--
-- Redshift does not enforce PRIMARY KEY, UNIQUE or FOREIGN KEY, and its planner
-- trusts declared keys, so none are declared: the key of each table is named in
-- its comment and checked by sql/audit/duplicate_keys.sql and orphan_keys.sql.
-- VARCHAR(n) is n bytes in Redshift (not characters); the loader rejects longer
-- UTF-8 values before COPY. The first sort key column stays ENCODE RAW, because
-- compressing it makes range-restricted scans read more blocks.

-- Key: date_key (YYYYMMDD). One row per calendar day.
CREATE TABLE IF NOT EXISTS star.dim_date (
    date_key      INTEGER    NOT NULL ENCODE RAW,   -- sort key column: left raw
    calendar_date DATE       ENCODE AZ64,           -- NULL only in the unknown member (-1); AZ64 suits dates
    year          INTEGER    ENCODE AZ64,
    quarter       INTEGER    ENCODE AZ64,
    month         INTEGER    ENCODE AZ64,
    month_name    VARCHAR(9) ENCODE ZSTD,           -- 'September': 9 ASCII bytes
    day_of_month  INTEGER    ENCODE AZ64,
    day_of_week   INTEGER    ENCODE AZ64,
    day_name      VARCHAR(9) ENCODE ZSTD,           -- 'Wednesday': 9 ASCII bytes
    week_of_year  INTEGER    ENCODE AZ64,
    is_weekend    BOOLEAN    ENCODE ZSTD            -- BOOLEAN supports only RAW, RUNLENGTH and ZSTD
)
DISTSTYLE ALL        -- a few thousand rows joined by every fact: a full copy per node avoids redistribution
SORTKEY (date_key);  -- facts join and filter on date ranges

-- Key: product_key (one per SCD type 2 version); at most one is_current row per product_id.
CREATE TABLE IF NOT EXISTS star.dim_product (
    product_key BIGINT         NOT NULL ENCODE RAW,
    product_id  VARCHAR(64)    NOT NULL ENCODE ZSTD,  -- catalog SKU, ASCII
    name        VARCHAR(512)   ENCODE ZSTD,           -- UTF-8 names: up to 128 characters of 4 bytes
    description VARCHAR(8192)  ENCODE ZSTD,           -- multi-line catalog text; longer values are quarantined
    category    VARCHAR(128)   ENCODE ZSTD,
    price       DECIMAL(12, 2) ENCODE AZ64,
    currency    CHAR(3)        ENCODE ZSTD,           -- ISO 4217 code: CHAR holds single-byte characters only
    valid_from  TIMESTAMP      ENCODE AZ64,
    valid_to    TIMESTAMP      ENCODE AZ64,
    is_current  BOOLEAN        ENCODE ZSTD
)
DISTSTYLE ALL           -- the catalog is small and joined by product sales on every node
SORTKEY (product_key);  -- joins from fact_product_sales are on product_key

-- Key: customer_key.
CREATE TABLE IF NOT EXISTS star.dim_customer (
    customer_key     BIGINT       NOT NULL ENCODE RAW,
    customer_id      BIGINT       ENCODE AZ64,
    email_hash       VARCHAR(128) ENCODE ZSTD,  -- hex digest of the e-mail (64 ASCII bytes for SHA-256)
    country          CHAR(2)      ENCODE ZSTD,  -- ISO 3166-1 alpha-2
    city             VARCHAR(256) ENCODE ZSTD,  -- UTF-8 city names
    signup_date      DATE         ENCODE AZ64,
    first_order_date DATE         ENCODE AZ64,
    segment          VARCHAR(64)  ENCODE ZSTD
)
DISTSTYLE KEY
DISTKEY (customer_key)   -- the largest dimension: co-located with the facts distributed on customer_key
SORTKEY (customer_key);  -- merge joins with those facts

-- Key: campaign_key.
CREATE TABLE IF NOT EXISTS star.dim_campaign (
    campaign_key BIGINT         NOT NULL ENCODE RAW,
    campaign_id  VARCHAR(64)    ENCODE ZSTD,
    name         VARCHAR(512)   ENCODE ZSTD,
    channel      VARCHAR(64)    ENCODE ZSTD,
    start_date   DATE           ENCODE AZ64,
    end_date     DATE           ENCODE AZ64,
    budget       DECIMAL(12, 2) ENCODE AZ64,
    currency     CHAR(3)        ENCODE ZSTD
)
DISTSTYLE ALL            -- tens of rows: copied to every node
SORTKEY (campaign_key);  -- joins from facts are on campaign_key
