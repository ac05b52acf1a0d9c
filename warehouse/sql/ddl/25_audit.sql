-- Load audit: one row per table and logical date, and the rows rejected before COPY.

-- Key: (logical_date, table_name). rows_read = rows_loaded + rows_rejected.
CREATE TABLE IF NOT EXISTS audit.load_audit (
    logical_date  DATE          NOT NULL ENCODE RAW,
    table_name    VARCHAR(64)   NOT NULL ENCODE ZSTD,
    source_uri    VARCHAR(1024) ENCODE ZSTD,
    rows_read     BIGINT        ENCODE AZ64,
    rows_loaded   BIGINT        ENCODE AZ64,
    rows_rejected BIGINT        ENCODE AZ64,
    loaded_at     TIMESTAMP     ENCODE AZ64
)
DISTSTYLE ALL            -- eight rows per date, read by the BI freshness check on every node
SORTKEY (logical_date);  -- read by date

-- Rejected rows, shaped like Redshift's STL_LOAD_ERRORS (same column names and
-- meanings for filename through err_reason) plus the logical date and table,
-- because STL_LOAD_ERRORS keeps only a few days and names tables by id.
-- err_reason holds the quarantine reason code, such as date_out_of_range.
CREATE TABLE IF NOT EXISTS audit.load_errors (
    logical_date    DATE          NOT NULL ENCODE RAW,
    table_name      VARCHAR(64)   NOT NULL ENCODE ZSTD,
    starttime       TIMESTAMP     ENCODE AZ64,
    filename        VARCHAR(1024) ENCODE ZSTD,  -- S3 URI of the Parquet object
    line_number     BIGINT        ENCODE AZ64,  -- 1-based row number in that object
    colname         VARCHAR(127)  ENCODE ZSTD,
    type            VARCHAR(10)   ENCODE ZSTD,  -- column type as STL_LOAD_ERRORS spells it, e.g. varchar, date
    col_length      VARCHAR(10)   ENCODE ZSTD,
    position        INTEGER       ENCODE AZ64,  -- 1-based column position
    raw_line        VARCHAR(1024) ENCODE ZSTD,  -- the row as JSON, cut to 1024 bytes
    raw_field_value VARCHAR(1024) ENCODE ZSTD,  -- the value, cut to 1024 bytes
    err_code        INTEGER       ENCODE AZ64,  -- Redshift load error code: 1204, 1205, 1206, 1213, 1222
    err_reason      VARCHAR(100)  ENCODE ZSTD
)
DISTSTYLE EVEN           -- rare rows with no join partner
SORTKEY (logical_date);
