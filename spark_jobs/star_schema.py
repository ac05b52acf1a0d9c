"""Glue job: the star schema as Delta tables `star/<table>` and Parquet extracts for the warehouse.

Dimensions (date, product as SCD type 2, customer, campaign) are rebuilt as snapshots on each run;
facts hold the logical date's rows in partition `dt` (replaced on a re-run):
- fact_network_traffic: one row per session of the date;
- fact_transactions: one row per payment made on the date;
- fact_product_sales: one row per line of the orders placed on the date;
- fact_campaign_interactions: one row per campaign event staged on the date.
Surrogate keys hash natural keys, so they are the same on every run; a missing or late
dimension member gets key -1. Extracts go to `extracts/<table>/dt=<date>/` with the columns of
the warehouse's `star` tables (dimensions as full snapshots under each date).
"""

from __future__ import annotations

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from spark_jobs.common import dimensions
from spark_jobs.common.context import COMMON_ARGUMENTS, JobContext
from spark_jobs.common.delta import overwrite_table, read_delta, replace_partition
from spark_jobs.common.keys import UNKNOWN_KEY, date_key
from spark_jobs.common.money import to_usd
from spark_jobs.common.report import RunReport

FACT_COLUMNS = {
    "fact_network_traffic": ["session_id", "date_key", "customer_key", "campaign_key", "session_start", "session_end",
                             "duration_s", "page_views", "click_events", "asset_requests", "bytes_sent", "errors_4xx",
                             "errors_5xx", "is_bot", "device_class", "landing_path", "is_bounce"],
    "fact_transactions": ["payment_id", "order_id", "date_key", "customer_key", "campaign_key", "payment_ts", "amount",
                          "currency", "amount_usd", "payment_status", "payment_method", "coupon_code"],
    "fact_product_sales": ["order_id", "line_no", "date_key", "product_key", "customer_key", "quantity", "unit_price",
                           "line_amount", "currency", "line_amount_usd", "order_status"],
    "fact_campaign_interactions": ["event_id", "date_key", "campaign_key", "customer_key", "event_type", "event_ts"],
}


class StarSchema:
    """One run: builds the dimensions, the date's facts, and writes tables and extracts."""

    def __init__(self, spark: SparkSession, context: JobContext) -> None:
        self.spark = spark
        self.context = context
        self.report = RunReport(context.job_name, context.dt)
        self.day = F.lit(context.dt).cast("date")
        self.source_rows: dict[str, int] = {}  # per fact: rows of its clean source for the date, counted before joins

    def clean(self, entity: str, schema: str) -> DataFrame:
        table = read_delta(self.spark, self.context.curated(f"clean/{entity}"))
        return table if table is not None else self.spark.createDataFrame([], schema)

    def build_dimensions(self) -> None:
        products = self.clean("products", "sku string, name string, description string, category string, "
                              "price decimal(12,2), currency string, updated_at timestamp, drop_date date, "
                              "source_file string, source_line int")
        self.product_versions = dimensions.product_versions(products).cache()
        view = read_delta(self.spark, self.context.curated("views/customer_360"))
        if view is None:
            view = self.spark.createDataFrame([], "customer_id bigint, email_hash string, country string, city string, "
                                              "signup_date date, first_order_date date, segment string")
        campaigns = self.clean("campaigns", "campaign_id string, name string, channel string, start_date date, "
                               "end_date date, budget decimal(12,2), currency string")
        dims = {
            "dim_date": dimensions.dim_date(self.spark),
            "dim_product": dimensions.dim_product(self.spark, self.product_versions),
            "dim_customer": dimensions.dim_customer(self.spark, view),
            "dim_campaign": dimensions.dim_campaign(self.spark, campaigns),
        }
        for name, dim in dims.items():
            dimensions.check_unique_keys(dim, dimensions.DIM_COLUMNS[name][0], name)
            self.write(name, dim.select(*dimensions.DIM_COLUMNS[name]), fact=False)
        self.customer_keys = self.read_star("dim_customer").select("customer_id", "customer_key")
        self.campaign_keys = self.read_star("dim_campaign").select("campaign_id", "campaign_key")
        id_map = self.clean("customer_id_map", "source_customer_id bigint, customer_id bigint")
        self.source_customer_keys = id_map.join(self.customer_keys, "customer_id").select("source_customer_id", "customer_key")

    def read_star(self, table: str) -> DataFrame:
        return self.spark.read.format("delta").load(self.context.curated(f"star/{table}"))

    def keyed(self, df: DataFrame, keys: DataFrame, on: str, key: str, df_column: str | None = None) -> DataFrame:
        """Left-join a dimension's key map and default a missing member to -1."""
        joined = df.join(keys, df[df_column or on] == keys[on], "left").drop(keys[on])
        return joined.withColumn(key, F.coalesce(F.col(key), F.lit(UNKNOWN_KEY).cast("bigint")))

    def fact_network_traffic(self) -> DataFrame:
        sessions = self.clean("sessions", "session_id string, user_id bigint, session_start timestamp, session_end timestamp, "
                              "duration_s bigint, page_views bigint, click_events bigint, asset_requests bigint, "
                              "bytes_sent bigint, errors_4xx bigint, errors_5xx bigint, is_bot boolean, device_class string, "
                              "landing_path string, is_bounce boolean, campaign_id string, dt date").filter(F.col("dt") == self.day)
        self.source_rows["fact_network_traffic"] = sessions.count()
        facts = self.keyed(sessions, self.source_customer_keys, "source_customer_id", "customer_key", "user_id")
        facts = self.keyed(facts, self.campaign_keys, "campaign_id", "campaign_key")
        return facts.withColumn("date_key", date_key(F.col("session_start")))

    def orders(self) -> DataFrame:
        return self.clean("orders", "order_id bigint, customer_id bigint, source_customer_id bigint, order_ts timestamp, "
                          "order_date date, status string, currency string, campaign_id string")

    def fact_transactions(self) -> DataFrame:
        payments = self.clean("payments", "payment_id bigint, order_id bigint, paid_at timestamp, paid_date date, "
                              "amount decimal(12,2), currency string, amount_usd decimal(14,2), method string, "
                              "status string, coupon_code string").filter(F.col("paid_date") == self.day)
        self.source_rows["fact_transactions"] = payments.count()
        orders = self.orders().select("order_id", "customer_id", F.col("campaign_id"))
        facts = payments.join(orders, "order_id", "left")
        facts = self.keyed(facts, self.customer_keys, "customer_id", "customer_key")
        facts = self.keyed(facts, self.campaign_keys, "campaign_id", "campaign_key")
        return facts.select("*", date_key(F.col("paid_at")).alias("date_key"), F.col("paid_at").alias("payment_ts"),
                            F.col("status").alias("payment_status"), F.col("method").alias("payment_method"))

    def fact_product_sales(self) -> DataFrame:
        lines = self.clean("order_lines", "order_id bigint, line_no int, product_id string, quantity int, "
                           "unit_price decimal(12,2), line_amount decimal(12,2)")
        orders = self.orders().filter(F.col("order_date") == self.day)
        self.source_rows["fact_product_sales"] = lines.join(orders.select("order_id"), "order_id").count()
        sales = lines.join(orders.select("order_id", "customer_id", "order_ts", "currency", F.col("status").alias("order_status")),
                           "order_id")
        versions = self.product_versions.select("product_key", F.col("product_id").alias("_sku"), "valid_from", "valid_to",
                                                "is_first_version")
        # The version valid at order time; an order older than the first catalog version uses that first version.
        valid = (sales.product_id == versions._sku) & (sales.order_ts < versions.valid_to) & (
            (sales.order_ts >= versions.valid_from) | versions.is_first_version)
        sales = sales.join(versions, valid, "left").withColumn(
            "product_key", F.coalesce("product_key", F.lit(UNKNOWN_KEY).cast("bigint")))
        sales = self.keyed(sales, self.customer_keys, "customer_id", "customer_key")
        return sales.select("*", date_key(F.col("order_ts")).alias("date_key"),
                            to_usd(F.col("line_amount"), F.col("currency")).alias("line_amount_usd"))

    def fact_campaign_interactions(self) -> DataFrame:
        events = self.clean("campaign_events", "event_id string, campaign_id string, customer_id bigint, event_type string, "
                            "event_ts timestamp, dt date").filter(F.col("dt") == self.day)
        self.source_rows["fact_campaign_interactions"] = events.count()
        facts = self.keyed(events, self.source_customer_keys, "source_customer_id", "customer_key", "customer_id")
        facts = self.keyed(facts, self.campaign_keys, "campaign_id", "campaign_key")
        return facts.withColumn("date_key", date_key(F.col("event_ts")))

    def build_facts(self) -> None:
        builders = {"fact_network_traffic": self.fact_network_traffic, "fact_transactions": self.fact_transactions,
                    "fact_product_sales": self.fact_product_sales,
                    "fact_campaign_interactions": self.fact_campaign_interactions}
        for name, build in builders.items():
            facts = build().select(*FACT_COLUMNS[name]).withColumn("dt", self.day)
            rows_out = self.write(name, facts, fact=True)
            self.report.add_input(name.replace("fact_", "clean/"), self.source_rows[name], rows_out)

    def write(self, table: str, df: DataFrame, fact: bool) -> int:
        path = self.context.curated(f"star/{table}")
        if fact:
            replace_partition(df, path, "dt", self.context.dt)
            stored = self.read_star(table).filter(F.col("dt") == self.day).drop("dt")
        else:
            overwrite_table(df, path)
            stored = self.read_star(table)
        rows = stored.count()
        extract = self.context.curated(f"extracts/{table}/dt={self.context.dt}")
        stored.orderBy(*stored.columns[:2]).coalesce(1).write.mode("overwrite").parquet(extract)
        self.report.add_output(f"star/{table}", rows)
        return rows


def main() -> None:
    args = getResolvedOptions(sys.argv, COMMON_ARGUMENTS)
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    context = JobContext.from_args(args)
    star = StarSchema(spark, context)
    star.build_dimensions()
    star.build_facts()
    star.report.write(spark, context)

    job.commit()


if __name__ == "__main__":
    main()
