"""Access-log records -> cleaned page events and sessions.

Sessions: the events of one visitor, ordered by time, split where 30 minutes pass without an
event. A visitor is the logged-in customer id, or for anonymous traffic the SHA-256 of the
client IP hash and user agent. Bot and human events of one visitor form separate sessions.
Sessions are built per logical date, so a visit that crosses UTC midnight counts as two.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

SESSION_GAP_SECONDS = 30 * 60

ACCESS_LOG_SCHEMA = T.StructType([
    *(T.StructField(name, T.StringType()) for name in ("record_id", "source_key")),
    T.StructField("line_number", T.LongType()),
    *(T.StructField(name, T.StringType()) for name in ("ts", "dt", "ts_local", "utc_offset", "client_ip_hash")),
    T.StructField("ip_version", T.IntegerType()),
    T.StructField("ip_flag", T.StringType()),
    T.StructField("user_id", T.StringType()),  # a number in the contract; read as text so a quoted id also parses
    *(T.StructField(name, T.StringType()) for name in ("method", "path", "query", "protocol")),
    T.StructField("status", T.IntegerType()),
    T.StructField("status_flag", T.StringType()),
    T.StructField("bytes", T.LongType()),
    *(T.StructField(name, T.StringType()) for name in ("referrer", "user_agent", "device_class")),
    T.StructField("is_bot", T.BooleanType()),
    *(T.StructField(name, T.StringType()) for name in ("event_type", "product_id", "campaign_id", "utm_source", "utm_medium")),
    T.StructField("truncated", T.BooleanType()),
    T.StructField("original_length", T.LongType()),
    T.StructField("_corrupt_record", T.StringType()),
])

# Missing-value policy of page events, per column: what a null (or "-") becomes.
PAGE_EVENT_MISSING_VALUES = {
    "record_id, ts": "quarantine (missing_required_field)",
    "user_id": "kept null: an anonymous visitor",
    "status": "kept null with status_flag: the log line had '-'",
    "bytes": "default 0: the log line had '-' (no body)",
    "referrer": "kept null; '-' becomes null",
    "user_agent": "default '-'",
    "device_class": "default 'other'",
    "is_bot": "default false",
    "event_type": "default 'probe' (no request line)",
}

BROWSER_RULES = [("Edg/", "Edge"), ("OPR/|Opera", "Opera"), ("Firefox/", "Firefox"), ("Chrome/|CriOS/", "Chrome"),
                 ("Safari/", "Safari"), ("MSIE |Trident/", "Internet Explorer"), ("(?i)curl/|wget/|python-requests", "Tool"),
                 ("(?i)bot|crawler|spider|slurp", "Bot")]
OS_RULES = [("Windows", "Windows"), ("Android", "Android"), ("iPhone|iPad|iPod", "iOS"), ("CrOS", "ChromeOS"),
            ("Mac OS X|Macintosh", "macOS"), ("Linux", "Linux")]


def _first_match(text: Column, rules: list[tuple[str, str]]) -> Column:
    result = F.lit("Other")
    for pattern, name in reversed(rules):
        result = F.when(text.rlike(pattern), F.lit(name)).otherwise(result)
    return result


def split_access_log_records(records: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Return (usable, rejected) records; rejected ones carry `_reason` and `_detail`."""
    reason = (F.when(F.col("_corrupt_record").isNotNull(), F.lit("unparseable_line"))
              .when(F.col("record_id").isNull(), F.lit("missing_required_field"))
              .when(F.col("ts").cast("timestamp").isNull(), F.lit("missing_required_field")))
    detail = (F.when(F.col("_corrupt_record").isNotNull(), F.lit("not a JSON object of the access-log contract"))
              .when(F.col("record_id").isNull(), F.lit("record_id is missing"))
              .otherwise(F.lit("ts is missing or not an ISO 8601 timestamp")))
    flagged = records.withColumn("_reason", reason).withColumn("_detail", detail)
    return flagged.filter(F.col("_reason").isNull()).drop("_reason", "_detail"), flagged.filter(F.col("_reason").isNotNull())


def dedupe_records(records: DataFrame) -> DataFrame:
    """Keep one record per record_id (a Firehose retry delivers a record twice): the earliest source position."""
    order = Window.partitionBy("record_id").orderBy(F.col("source_key").asc_nulls_last(), F.col("line_number").asc_nulls_last())
    return records.withColumn("_rank", F.row_number().over(order)).filter("_rank = 1").drop("_rank")


def conform_page_events(records: DataFrame) -> DataFrame:
    """Apply the missing-value policy and add parsed user agent, referrer host and visitor key."""
    user_agent = F.coalesce(F.nullif(F.trim(F.col("user_agent")), F.lit("")), F.lit("-"))
    referrer = F.when(F.trim(F.col("referrer")).isin("", "-"), F.lit(None)).otherwise(F.trim(F.col("referrer")))
    visitor = F.when(F.col("user_id").isNotNull(), F.concat(F.lit("u:"), F.col("user_id").cast("string"))).otherwise(
        F.concat(F.lit("a:"), F.sha2(F.concat_ws("|", F.coalesce("client_ip_hash", F.lit("")), user_agent), 256)))
    return records.select(
        "record_id", "source_key", "line_number",
        F.col("ts").cast("timestamp").alias("ts"),
        F.to_date(F.col("ts").cast("timestamp")).alias("dt"),
        "utc_offset", "client_ip_hash", "ip_version",
        F.col("user_id").cast("bigint").alias("user_id"),
        F.upper(F.col("method")).alias("method"), "path", "query", "protocol", "status", "status_flag",
        F.coalesce(F.col("bytes"), F.lit(0)).alias("bytes"),
        referrer.alias("referrer"),
        F.lower(F.expr("parse_url(referrer, 'HOST')")).alias("referrer_host"),
        user_agent.alias("user_agent"),
        _first_match(user_agent, BROWSER_RULES).alias("browser"),
        _first_match(user_agent, OS_RULES).alias("os"),
        F.coalesce(F.lower(F.col("device_class")), F.lit("other")).alias("device_class"),
        F.coalesce(F.col("is_bot"), F.lit(False)).alias("is_bot"),
        F.coalesce(F.lower(F.col("event_type")), F.lit("probe")).alias("event_type"),
        "product_id", "campaign_id", "utm_source", "utm_medium",
        F.coalesce(F.col("truncated"), F.lit(False)).alias("truncated"),
        visitor.alias("visitor_key"),
    )


def assign_sessions(events: DataFrame) -> DataFrame:
    """Add `session_id`: a new session starts after 30 minutes without an event of the same visitor."""
    visitor = Window.partitionBy("visitor_key", "is_bot").orderBy("ts", "record_id")
    seconds = F.col("ts").cast("double")
    gap = seconds - F.lag(seconds).over(visitor)
    numbered = (events.withColumn("_new", F.when(gap.isNull() | (gap > SESSION_GAP_SECONDS), 1).otherwise(0))
                .withColumn("_session_no", F.sum("_new").over(visitor.rowsBetween(Window.unboundedPreceding, 0))))
    session = Window.partitionBy("visitor_key", "is_bot", "_session_no")
    first_ts = F.min("ts").over(session)
    session_id = F.substring(F.sha2(F.concat_ws("|", "visitor_key", F.col("is_bot").cast("string"),
                                                F.date_format(first_ts, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS")), 256), 1, 32)
    return numbered.withColumn("session_id", session_id).drop("_new", "_session_no")


def counted(event_type: str) -> Column:
    """True for an event the traffic figures count: that type, not a bot, answered below 400."""
    return (F.col("event_type") == event_type) & ~F.col("is_bot") & (F.col("status") < 400)


def build_sessions(events: DataFrame) -> DataFrame:
    """Return one row per session (events must carry `session_id`).

    `page_views` and `click_events` count events answered below 400; a bot session keeps its
    counts and is flagged by `is_bot`, so traffic figures filter on it.
    """
    first_page = F.min_by(F.col("path"), F.when(F.col("event_type") == "page_view", F.col("ts")))
    status_counts = lambda low, high: F.sum(F.when((F.col("status") >= low) & (F.col("status") < high), 1).otherwise(0))  # noqa: E731
    type_count = lambda kind: F.sum(F.when((F.col("event_type") == kind) & (F.col("status") < 400), 1).otherwise(0))  # noqa: E731
    sessions = events.groupBy("session_id").agg(
        F.first("visitor_key").alias("visitor_key"),
        F.max("user_id").alias("user_id"),
        F.min("ts").alias("session_start"),
        F.max("ts").alias("session_end"),
        F.count(F.lit(1)).alias("events"),
        type_count("page_view").alias("page_views"),
        type_count("click").alias("click_events"),
        F.sum(F.when(F.col("event_type") == "asset", 1).otherwise(0)).alias("asset_requests"),
        F.sum("bytes").alias("bytes_sent"),
        status_counts(400, 500).alias("errors_4xx"),
        status_counts(500, 600).alias("errors_5xx"),
        F.max(F.col("is_bot")).alias("is_bot"),
        F.min_by("device_class", "ts").alias("device_class"),
        first_page.alias("landing_path"),
        F.min_by("campaign_id", F.when(F.col("campaign_id").isNotNull(), F.col("ts"))).alias("campaign_id"),
        F.min("dt").alias("dt"),
    )
    duration = (F.col("session_end").cast("double") - F.col("session_start").cast("double")).cast("bigint")
    return (sessions.withColumn("duration_s", duration)
            .withColumn("is_bounce", (F.col("page_views") + F.col("click_events")) <= 1))
