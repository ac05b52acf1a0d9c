"""Dimension builders of the star schema; every dimension has an unknown member with key -1."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from spark_jobs.common.keys import UNKNOWN_KEY, surrogate_key

CALENDAR_START = date(2020, 1, 1)
CALENDAR_END = date(2035, 12, 31)
OPEN_END = "9999-12-31 00:00:00"
PRODUCT_TRACKED = ["name", "description", "category", "price", "currency"]

DIM_COLUMNS = {
    "dim_date": ["date_key", "calendar_date", "year", "quarter", "month", "month_name", "day_of_month", "day_of_week",
                 "day_name", "week_of_year", "is_weekend"],
    "dim_product": ["product_key", "product_id", "name", "description", "category", "price", "currency", "valid_from",
                    "valid_to", "is_current"],
    "dim_customer": ["customer_key", "customer_id", "email_hash", "country", "city", "signup_date", "first_order_date",
                     "segment"],
    "dim_campaign": ["campaign_key", "campaign_id", "name", "channel", "start_date", "end_date", "budget", "currency"],
}


def with_unknown(spark: SparkSession, df: DataFrame, key: str, values: dict[str, object]) -> DataFrame:
    """Append the unknown member (key -1; `values` fills chosen columns, the rest are null)."""
    row = {name: None for name in df.columns} | {key: UNKNOWN_KEY} | values
    nullable = T.StructType([T.StructField(field.name, field.dataType, True) for field in df.schema])
    unknown = spark.createDataFrame([tuple(row[name] for name in df.columns)], nullable)
    return df.unionByName(unknown)


def dim_date(spark: SparkSession) -> DataFrame:
    days = spark.sql(f"SELECT explode(sequence(DATE'{CALENDAR_START}', DATE'{CALENDAR_END}')) AS calendar_date")
    day = F.col("calendar_date")
    dates = days.select(
        F.date_format(day, "yyyyMMdd").cast("int").alias("date_key"), day,
        F.year(day).alias("year"), F.quarter(day).alias("quarter"), F.month(day).alias("month"),
        F.date_format(day, "MMMM").alias("month_name"), F.dayofmonth(day).alias("day_of_month"),
        ((F.dayofweek(day) + 5) % 7 + 1).alias("day_of_week"),  # ISO: Monday 1 .. Sunday 7
        F.date_format(day, "EEEE").alias("day_name"), F.weekofyear(day).alias("week_of_year"),
        F.dayofweek(day).isin(1, 7).alias("is_weekend"),
    )
    return with_unknown(spark, dates, "date_key", {"month_name": "Unknown", "day_name": "Unknown"})


def product_versions(products: DataFrame) -> DataFrame:
    """Collapse catalog versions into SCD type 2 rows: a new row only when a tracked attribute changes."""
    per_sku = Window.partitionBy("sku").orderBy("updated_at", "drop_date", "source_file", "source_line")
    tracked = F.sha2(F.to_json(F.struct(*PRODUCT_TRACKED)), 256)
    changed = products.withColumn("_tracked", tracked).withColumn(
        "_changed", F.lag("_tracked").over(per_sku).isNull() | (F.lag("_tracked").over(per_sku) != F.col("_tracked")))
    versions = changed.filter("_changed")
    per_sku_versions = Window.partitionBy("sku").orderBy("updated_at")
    next_start = F.lead("updated_at").over(per_sku_versions)
    return versions.select(
        surrogate_key("product", F.col("sku"), F.col("updated_at")).alias("product_key"),
        F.col("sku").alias("product_id"), *PRODUCT_TRACKED,
        F.col("updated_at").alias("valid_from"),
        F.coalesce(next_start, F.lit(OPEN_END).cast("timestamp")).alias("valid_to"),
        next_start.isNull().alias("is_current"),
        (F.row_number().over(per_sku_versions) == 1).alias("is_first_version"),
    )


def dim_product(spark: SparkSession, versions: DataFrame) -> DataFrame:
    dim = versions.select(*DIM_COLUMNS["dim_product"])
    return with_unknown(spark, dim, "product_key", {"product_id": "unknown", "name": "Unknown", "is_current": True})


def dim_customer(spark: SparkSession, view: DataFrame) -> DataFrame:
    dim = view.select(surrogate_key("customer", F.col("customer_id")).alias("customer_key"), "customer_id", "email_hash",
                      "country", "city", "signup_date", "first_order_date", "segment")
    return with_unknown(spark, dim, "customer_key", {"segment": "unknown"})


def dim_campaign(spark: SparkSession, campaigns: DataFrame) -> DataFrame:
    dim = campaigns.select(surrogate_key("campaign", F.col("campaign_id")).alias("campaign_key"), "campaign_id", "name",
                           "channel", "start_date", "end_date", "budget", "currency")
    return with_unknown(spark, dim, "campaign_key", {"campaign_id": "unknown", "name": "Unknown"})


def check_unique_keys(dim: DataFrame, key: str, name: str) -> None:
    duplicated = dim.groupBy(key).count().filter("count > 1").limit(1).collect()
    if duplicated:
        raise ValueError(f"{name}: surrogate key {duplicated[0][key]} is not unique (hash collision or duplicate natural key)")
