"""Cleaning rules of the transactional entities, the catalog and campaign events.

Each `conform_*` function takes the input DataFrame and returns (clean, rejected, duplicates),
where rejected rows carry `_reason` and `_detail` for the quarantine and `duplicates` is the
number of rows removed by deduplication. Missing-value policy, per column, is in MISSING_VALUES.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from spark_jobs.common.money import MONEY, to_usd, usd_rate

UNKNOWN_COUNTRY = "ZZ"  # ISO 3166-1 user-assigned code, used here for "unknown"
UNKNOWN_CITY = "Unknown"
DEFAULT_CURRENCY = "USD"
EVENT_TYPES = ("sent", "open", "click")

MISSING_VALUES = {
    "customers.email": "quarantine (missing_required_field); hashed, never stored in clear",
    "customers.country": f"default '{UNKNOWN_COUNTRY}'",
    "customers.city": f"default '{UNKNOWN_CITY}'",
    "customers.first_name, last_name": "kept null",
    "orders.order_ts, customer_id, currency, total_amount": "quarantine",
    "orders.campaign_id": "kept null: no campaign",
    "order_lines.product_id, quantity, unit_price": "quarantine",
    "payments.paid_at, amount, currency": "quarantine",
    "payments.coupon_code": "kept as is: NULL, '' and 'None' stay distinct",
    "products.currency": f"default '{DEFAULT_CURRENCY}'",
    "products.updated_at": "imputed: midnight UTC of the drop's date",
    "products.description, category": "kept null",
    "campaign_events.event_id, campaign_id, customer_id, event_type, ts": "quarantine (invalid_event)",
}


def flag_rows(df: DataFrame, problems: list[tuple[Column, str, str]]) -> tuple[DataFrame, DataFrame]:
    """Split rows by the first matching (condition, reason, detail); return (good, rejected)."""
    reason, detail = F.lit(None).cast("string"), F.lit(None).cast("string")
    for condition, code, text in reversed(problems):
        reason = F.when(condition, F.lit(code)).otherwise(reason)
        detail = F.when(condition, F.lit(text)).otherwise(detail)
    flagged = df.withColumn("_reason", reason).withColumn("_detail", detail)
    return flagged.filter(F.col("_reason").isNull()).drop("_reason", "_detail"), flagged.filter(F.col("_reason").isNotNull())


def keep_first(df: DataFrame, keys: list[str], order: list[Column]) -> DataFrame:
    """Keep the first row per key by `order` (a deterministic survivor rule)."""
    window = Window.partitionBy(*keys).orderBy(*order)
    return df.withColumn("_rank", F.row_number().over(window)).filter("_rank = 1").drop("_rank")


def collapse_spaces(column: Column) -> Column:
    return F.trim(F.regexp_replace(column, r"\s+", " "))


def hash_email(email: Column, salt: str) -> Column:
    """SHA-256 hex of the salt followed by the trimmed, lower-cased address."""
    return F.sha2(F.concat(F.lit(salt), F.lower(F.trim(email))), 256)


def mask_name(name: Column) -> Column:
    """Keep only the initial of a family name: `Smith` -> `S.`."""
    return F.when(F.trim(name) != "", F.concat(F.upper(F.substring(F.trim(name), 1, 1)), F.lit(".")))


def bad_timestamp(column: str) -> Column:
    """True when the value is missing or outside years 1..9999 after conversion (for example `infinity`)."""
    value = F.col(column).cast("timestamp")
    return value.isNull() | (F.year(value) < 1) | (F.year(value) > 9999)


def conform_customers(cdc: DataFrame, salt: str) -> tuple[DataFrame, DataFrame, int, DataFrame]:
    """Return (clean, rejected, duplicates removed, id map); near-duplicates share one email hash.

    Survivor of an email: the earliest signup, then the lowest customer id. The id map has one row
    per source customer id with the surviving id, so orders of a duplicate account follow it.
    """
    good, rejected = flag_rows(cdc, [(F.col("email").isNull() | (F.trim("email") == ""), "missing_required_field", "email is empty")])
    hashed = good.select(
        F.col("customer_id").cast("bigint").alias("customer_id"),
        hash_email(F.col("email"), salt).alias("email_hash"),
        collapse_spaces(F.col("first_name")).alias("first_name"),
        mask_name(F.col("last_name")).alias("last_name_initial"),
        F.coalesce(F.upper(F.trim("country")), F.lit(UNKNOWN_COUNTRY)).alias("country"),
        F.coalesce(F.nullif(collapse_spaces(F.col("city")), F.lit("")), F.lit(UNKNOWN_CITY)).alias("city"),
        F.col("signup_at").cast("timestamp").alias("signup_at"),
        F.col("updated_at").cast("timestamp").alias("updated_at"),
    )
    survivor = Window.partitionBy("email_hash").orderBy(F.col("signup_at").asc_nulls_last(), "customer_id")
    ranked = hashed.withColumn("_rank", F.row_number().over(survivor)).withColumn(
        "survivor_id", F.first("customer_id").over(survivor))
    id_map = ranked.select(F.col("customer_id").alias("source_customer_id"), F.col("survivor_id").alias("customer_id"))
    clean = ranked.filter("_rank = 1").drop("_rank", "survivor_id")
    return clean, rejected, hashed.count() - clean.count(), id_map


def conform_orders(cdc: DataFrame, id_map: DataFrame) -> tuple[DataFrame, DataFrame]:
    good, rejected = flag_rows(cdc, [
        (F.col("customer_id").isNull(), "missing_required_field", "customer_id is null"),
        (bad_timestamp("order_ts"), "invalid_timestamp", "order_ts is missing or out of range"),
        (F.col("total_amount").isNull(), "missing_required_field", "total_amount is null"),
        (usd_rate(F.col("currency")).isNull(), "unknown_currency", "currency is missing or not in the FX table"),
    ])
    clean = good.select(
        F.col("order_id").cast("bigint").alias("order_id"),
        F.col("customer_id").cast("bigint").alias("source_customer_id"),
        F.col("order_ts").cast("timestamp").alias("order_ts"),
        F.to_date(F.col("order_ts").cast("timestamp")).alias("order_date"),
        F.upper(F.trim("status")).alias("status"),
        F.upper(F.trim("currency")).alias("currency"),
        F.col("total_amount").cast(MONEY).alias("total_amount"),
        to_usd(F.col("total_amount"), F.col("currency")).alias("total_amount_usd"),
        F.nullif(F.trim("campaign_id"), F.lit("")).alias("campaign_id"),
        F.col("updated_at").cast("timestamp").alias("updated_at"),
    )
    clean = clean.join(id_map, "source_customer_id", "left").withColumn(
        "customer_id", F.coalesce("customer_id", "source_customer_id"))
    return clean, rejected


def conform_order_lines(cdc: DataFrame) -> tuple[DataFrame, DataFrame]:
    good, rejected = flag_rows(cdc, [
        (F.col("product_id").isNull() | (F.trim("product_id") == ""), "missing_required_field", "product_id is empty"),
        (F.col("quantity").isNull() | (F.col("quantity") <= 0), "invalid_quantity", "quantity is missing or not positive"),
        (F.col("unit_price").isNull() | (F.col("unit_price") < 0), "invalid_price", "unit_price is missing or negative"),
    ])
    clean = good.select(
        F.col("order_id").cast("bigint").alias("order_id"),
        F.col("line_no").cast("int").alias("line_no"),
        F.trim("product_id").alias("product_id"),
        F.col("quantity").cast("int").alias("quantity"),
        F.col("unit_price").cast(MONEY).alias("unit_price"),
        (F.col("quantity") * F.col("unit_price")).cast(MONEY).alias("line_amount"),
    )
    return clean, rejected


def conform_payments(cdc: DataFrame) -> tuple[DataFrame, DataFrame]:
    good, rejected = flag_rows(cdc, [
        (bad_timestamp("paid_at"), "invalid_timestamp", "paid_at is missing or out of range"),
        (F.col("amount").isNull(), "missing_required_field", "amount is null"),
        (usd_rate(F.col("currency")).isNull(), "unknown_currency", "currency is missing or not in the FX table"),
    ])
    clean = good.select(
        F.col("payment_id").cast("bigint").alias("payment_id"),
        F.col("order_id").cast("bigint").alias("order_id"),
        F.col("paid_at").cast("timestamp").alias("paid_at"),
        F.to_date(F.col("paid_at").cast("timestamp")).alias("paid_date"),
        F.col("amount").cast(MONEY).alias("amount"),
        F.upper(F.trim("currency")).alias("currency"),
        to_usd(F.col("amount"), F.col("currency")).alias("amount_usd"),
        F.lower(F.trim("method")).alias("method"),
        F.upper(F.trim("status")).alias("status"),
        F.col("coupon_code"),
    )
    return clean, rejected


def conform_campaigns(cdc: DataFrame) -> tuple[DataFrame, DataFrame]:
    good, rejected = flag_rows(cdc, [(F.col("name").isNull(), "missing_required_field", "name is null")])
    clean = good.select(
        F.trim("campaign_id").alias("campaign_id"),
        collapse_spaces(F.col("name")).alias("name"),
        F.lower(F.trim("channel")).alias("channel"),
        F.col("start_date").cast("date").alias("start_date"),
        F.col("end_date").cast("date").alias("end_date"),
        F.col("budget").cast(MONEY).alias("budget"),
        F.coalesce(F.upper(F.trim("currency")), F.lit(DEFAULT_CURRENCY)).alias("currency"),
    )
    return clean, rejected


def conform_products(staged: DataFrame) -> tuple[DataFrame, int]:
    """Normalise staged catalog rows of every drop and remove duplicates; return (versions, duplicates removed).

    Exact duplicates (after normalising text) and rows with the same sku and updated_at are one
    version; the survivor is the earliest drop date, then file name, then line.
    """
    normalised = staged.select(
        F.trim("sku").alias("sku"),
        collapse_spaces(F.col("name")).alias("name"),
        F.col("description"),
        F.initcap(F.lower(collapse_spaces(F.col("category")))).alias("category"),
        F.col("price").cast(MONEY).alias("price"),
        F.coalesce(F.upper(F.trim("currency")), F.lit(DEFAULT_CURRENCY)).alias("currency"),
        F.coalesce(F.col("updated_at"), F.col("dt").cast("timestamp")).alias("updated_at"),
        F.col("dt").alias("drop_date"), "source_file", "source_line",
    )
    order = [F.col("drop_date"), F.col("source_file"), F.col("source_line")]
    versions = keep_first(normalised, ["sku", "updated_at"], order)
    return versions, normalised.count() - versions.count()


def conform_campaign_events(parsed: DataFrame, known_campaigns: DataFrame) -> tuple[DataFrame, DataFrame, int]:
    """Normalise staged campaign events, quarantine invalid ones and keep one row per event_id.

    Accepted variants: event type in any case or padding, `ts` as ISO 8601 with any offset or as
    epoch milliseconds, `customer_id` as a number or a string. Survivor of a redelivered event:
    the lowest Kinesis sequence number.
    """
    raw_ts = F.trim(F.col("ts"))
    ts = F.when(raw_ts.rlike(r"^\d{12,14}$"), F.timestamp_millis(raw_ts.cast("bigint"))).otherwise(raw_ts.cast("timestamp"))
    typed = parsed.withColumn("event_type", F.lower(F.trim("event_type"))).withColumn("event_ts", ts).withColumn(
        "customer_id", F.trim("customer_id").cast("bigint")).join(
        known_campaigns.select("campaign_id", F.lit(True).alias("_known")), "campaign_id", "left")
    good, rejected = flag_rows(typed, [
        (F.col("_corrupt").isNotNull(), "unparseable_line", "not a JSON object"),
        (F.col("event_id").isNull(), "invalid_event", "event_id is missing"),
        (~F.col("event_type").isin(*EVENT_TYPES) | F.col("event_type").isNull(), "invalid_event", "event_type is not sent, open or click"),
        (F.col("customer_id").isNull(), "invalid_event", "customer_id is missing or not an integer"),
        (F.col("event_ts").isNull(), "invalid_event", "ts is missing or not a timestamp"),
        (F.col("_known").isNull(), "unknown_campaign", "campaign_id is not a known campaign"),
    ])
    sequence = F.col("kinesis_sequence_number")
    survivors = keep_first(good, ["event_id"], [F.length(sequence).asc_nulls_last(), sequence.asc_nulls_last(), F.col("_line")])
    clean = survivors.select(
        "event_id", "campaign_id", "customer_id", "event_type",
        F.coalesce(F.lower(F.trim("channel")), F.lit("email")).alias("channel"),
        "event_ts", F.to_date("event_ts").alias("event_date"),
        "kinesis_shard_id", "kinesis_sequence_number", "dt",
    )
    return clean, rejected, good.count() - clean.count()
