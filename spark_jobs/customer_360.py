"""Glue job: the single customer view `s3://<curated>/views/customer_360`, one row per customer.

Combines, up to the logical date: the profile (email hashed), orders, revenue, sessions, page
views and click events of logged-in visits, campaign opens and click-throughs, attributed
revenue and an RFM segment. The view is a snapshot as of the logical date, replaced on each run.

- Revenue (USD): CAPTURED payment amounts minus REFUNDED ones, by payment date.
- Attribution, last click within 7 days: an order that is not CANCELLED or REFUNDED is credited
  in full (its total in USD) to the customer's latest campaign click-through whose time is within
  the 7 days before the order; orders without such a click are not attributed.
- RFM: recency (days since the last order), frequency (orders) and monetary (revenue) are
  scored 1 to 5 by quintile among customers with orders (ties broken by customer id); the
  segment follows from the scores (see `rfm_segment`); customers without orders are `prospect`.
"""

from __future__ import annotations

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from spark_jobs.common.context import COMMON_ARGUMENTS, JobContext
from spark_jobs.common.delta import overwrite_table, read_delta
from spark_jobs.common.report import RunReport

ATTRIBUTION_WINDOW_SECONDS = 7 * 86_400
NOT_ATTRIBUTED_STATUSES = ("CANCELLED", "REFUNDED")


def load(spark: SparkSession, context: JobContext, entity: str, schema: str) -> DataFrame:
    table = read_delta(spark, context.curated(f"clean/{entity}"))
    return table if table is not None else spark.createDataFrame([], schema)


def order_figures(orders: DataFrame, payments: DataFrame, as_of: Column) -> DataFrame:
    orders = orders.filter(F.col("order_date") <= as_of)
    sign = F.when(F.col("status") == "CAPTURED", 1).when(F.col("status") == "REFUNDED", -1).otherwise(0)
    revenue = (payments.filter(F.col("paid_date") <= as_of).join(orders.select("order_id", "customer_id"), "order_id")
               .groupBy("customer_id").agg(F.sum(F.col("amount_usd") * sign).cast("decimal(16,2)").alias("revenue_usd")))
    counts = orders.groupBy("customer_id").agg(
        F.count("order_id").alias("orders"), F.min("order_date").alias("first_order_date"),
        F.max("order_date").alias("last_order_date"))
    return counts.join(revenue, "customer_id", "left")


def traffic_figures(sessions: DataFrame, id_map: DataFrame, as_of: Column) -> DataFrame:
    human = sessions.filter((F.col("dt") <= as_of) & ~F.col("is_bot") & F.col("user_id").isNotNull())
    mapped = human.join(id_map, human.user_id == id_map.source_customer_id, "left").withColumn(
        "customer_id", F.coalesce("customer_id", "user_id"))
    return mapped.groupBy("customer_id").agg(
        F.count("session_id").alias("sessions"), F.sum("page_views").alias("page_views"),
        F.sum("click_events").alias("click_events"))


def campaign_figures(events: DataFrame, id_map: DataFrame, as_of: Column) -> DataFrame:
    mapped = events.filter(F.col("dt") <= as_of).join(
        id_map, events.customer_id == id_map.source_customer_id, "left").select(
        F.coalesce(id_map.customer_id, events.customer_id).alias("customer_id"), "event_type")
    return mapped.groupBy("customer_id").agg(
        F.sum(F.when(F.col("event_type") == "open", 1).otherwise(0)).alias("campaign_opens"),
        F.sum(F.when(F.col("event_type") == "click", 1).otherwise(0)).alias("campaign_click_throughs"))


def attributed_revenue(orders: DataFrame, events: DataFrame, id_map: DataFrame, as_of: Column) -> DataFrame:
    """Credit each eligible order to the latest campaign click of its customer within the 7 days before it."""
    clicks = events.filter((F.col("event_type") == "click") & (F.col("dt") <= as_of)).join(
        id_map, events.customer_id == id_map.source_customer_id, "left").select(
        F.coalesce(id_map.customer_id, events.customer_id).alias("click_customer_id"), "event_ts",
        F.col("campaign_id").alias("click_campaign_id"))
    eligible = orders.filter((F.col("order_date") <= as_of) & ~F.col("status").isin(*NOT_ATTRIBUTED_STATUSES))
    seconds_before = F.col("order_ts").cast("double") - F.col("event_ts").cast("double")
    candidates = eligible.join(clicks, (eligible.customer_id == clicks.click_customer_id)
                               & (seconds_before >= 0) & (seconds_before <= ATTRIBUTION_WINDOW_SECONDS))
    latest = Window.partitionBy("order_id").orderBy(F.col("event_ts").desc(), F.col("click_campaign_id"))
    credited = candidates.withColumn("_rank", F.row_number().over(latest)).filter("_rank = 1")
    return credited.groupBy("customer_id").agg(
        F.sum("total_amount_usd").cast("decimal(16,2)").alias("attributed_revenue_usd"),
        F.count("order_id").alias("attributed_orders"))


def rfm_segment(r: Column, f: Column) -> Column:
    return (F.when(f.isNull(), F.lit("prospect"))
            .when((r >= 4) & (f >= 4), F.lit("champion"))
            .when(f >= 4, F.lit("loyal"))
            .when(r >= 4, F.lit("promising"))
            .when((r <= 2) & (f >= 3), F.lit("at_risk"))
            .when(r <= 2, F.lit("hibernating"))
            .otherwise(F.lit("needs_attention")))


def add_rfm(view: DataFrame, as_of: Column) -> DataFrame:
    buyers = view.filter(F.col("orders") > 0).withColumn("recency_days", F.datediff(as_of, "last_order_date"))
    scored = (buyers
              .withColumn("rfm_recency", F.ntile(5).over(Window.orderBy(F.col("recency_days").desc(), "customer_id")))
              .withColumn("rfm_frequency", F.ntile(5).over(Window.orderBy("orders", "customer_id")))
              .withColumn("rfm_monetary", F.ntile(5).over(Window.orderBy("revenue_usd", "customer_id")))
              .select("customer_id", "recency_days", "rfm_recency", "rfm_frequency", "rfm_monetary"))
    view = view.join(scored, "customer_id", "left")
    return view.withColumn("segment", rfm_segment(F.col("rfm_recency"), F.col("rfm_frequency")))


def build_view(spark: SparkSession, context: JobContext) -> DataFrame:
    as_of = F.lit(context.dt).cast("date")
    customers = load(spark, context, "customers", "customer_id bigint, email_hash string, first_name string, "
                     "last_name_initial string, country string, city string, signup_at timestamp")
    orders = load(spark, context, "orders", "order_id bigint, customer_id bigint, order_ts timestamp, order_date date, "
                  "status string, total_amount_usd decimal(14,2)")
    payments = load(spark, context, "payments", "order_id bigint, paid_date date, amount_usd decimal(14,2), status string")
    sessions = load(spark, context, "sessions", "session_id string, user_id bigint, is_bot boolean, page_views bigint, "
                    "click_events bigint, dt date")
    events = load(spark, context, "campaign_events", "customer_id bigint, event_type string, event_ts timestamp, "
                  "campaign_id string, dt date")
    id_map = load(spark, context, "customer_id_map", "source_customer_id bigint, customer_id bigint")

    view = (customers.select("customer_id", "email_hash", "first_name", "last_name_initial", "country", "city",
                             F.to_date("signup_at").alias("signup_date"))
            .join(order_figures(orders, payments, as_of), "customer_id", "left")
            .join(traffic_figures(sessions, id_map, as_of), "customer_id", "left")
            .join(campaign_figures(events, id_map, as_of), "customer_id", "left")
            .join(attributed_revenue(orders, events, id_map, as_of), "customer_id", "left"))
    zero_filled: dict[str, bool | float | int | str] = {"orders": 0, "sessions": 0, "page_views": 0, "click_events": 0, "campaign_opens": 0,
                   "campaign_click_throughs": 0, "attributed_orders": 0}
    view = view.fillna(zero_filled)
    for money in ("revenue_usd", "attributed_revenue_usd"):
        view = view.withColumn(money, F.coalesce(F.col(money), F.lit(0).cast("decimal(16,2)")))
    return add_rfm(view, as_of).withColumn("as_of_date", as_of)


def main() -> None:
    args = getResolvedOptions(sys.argv, COMMON_ARGUMENTS)
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    context = JobContext.from_args(args)
    report = RunReport(context.job_name, context.dt)
    path = context.curated("views/customer_360")
    overwrite_table(build_view(spark, context), path)
    rows = spark.read.format("delta").load(path).count()
    customers = read_delta(spark, context.curated("clean/customers"))
    report.add_input("clean/customers", customers.count() if customers is not None else 0, rows)
    report.add_output("views/customer_360", rows)
    report.write(spark, context)

    job.commit()


if __name__ == "__main__":
    main()
