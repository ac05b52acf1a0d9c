"""Glue job: clean and conform every entity into `s3://<curated>/clean/<entity>` Delta tables.

Inputs: current-state tables `cdc/<table>`, the staged catalog (every drop staged so far, like the
CDC tables hold every change that has arrived), the date's staged access-log records and campaign
events. Outputs:
- snapshots, replaced on each run: `customers` (plus `customer_id_map`, which maps each source
  customer id to the surviving id of its email), `orders`, `order_lines`, `payments`,
  `campaigns`, `products` (every catalog version, one row per sku and updated_at);
- partitioned by `dt`, only the logical date replaced: `page_events`, `sessions`,
  `campaign_events`. The run also rebuilds `page_events` and `sessions` of the previous
  `--late_log_lookback_days` dates (default 1) whose staging prefix received access-log
  objects after their own run, which a ledger under `_state/clean_conform/` records.
Emails are hashed (SHA-256 of the salt from `--email_hash_salt` plus the trimmed, lower-cased
address) and family names reduced to an initial before anything is written here. The salt is a
pseudonymisation namespace, not a secret: changing it changes every customer's email hash.
Per-column missing-value rules are in `spark_jobs.common.conform.MISSING_VALUES` and
`spark_jobs.common.web.PAGE_EVENT_MISSING_VALUES`.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import date, timedelta

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from spark_jobs.common import conform, web
from spark_jobs.common.context import COMMON_ARGUMENTS, JobContext
from spark_jobs.common.delta import overwrite_table, read_delta, replace_partition
from spark_jobs.common.ledger import read_consumed, write_consumed
from spark_jobs.common.quarantine import quarantine_columns, row_as_json, write_quarantine
from spark_jobs.common.report import RunReport
from spark_jobs.common.storage import list_files

DEFAULT_EMAIL_HASH_SALT = "shoplake-email-v1"
# How many earlier dates each run checks for access-log objects that arrived after that date's run.
DEFAULT_LATE_LOG_LOOKBACK_DAYS = 1
ACCESS_LOG_SOURCE = "access_logs"
CAMPAIGN_EVENT_FIELDS = ["event_id", "campaign_id", "customer_id", "event_type", "channel", "ts",
                         "kinesis_sequence_number", "kinesis_shard_id", "approximate_arrival_ts"]


@dataclasses.dataclass(frozen=True)
class AccessLogCounts:
    """Counts of one date's access-log conform; `late_records` are the records of the late objects."""

    rows_in: int
    rows_out: int
    quarantined: int
    duplicates_removed: int
    sessions: int
    late_records: int


class CleanConform:
    """One run of the job: reads inputs, writes clean tables, quarantine files and counts."""

    def __init__(self, spark: SparkSession, context: JobContext) -> None:
        self.spark = spark
        self.context = context
        self.report = RunReport(context.job_name, context.dt)

    def clean_path(self, entity: str) -> str:
        return self.context.curated(f"clean/{entity}")

    def quarantine(self, entity: str, rejected: DataFrame, source: str, offset: F.Column, columns: list[str]) -> int:
        records = rejected.select(*quarantine_columns(
            "clean", F.lit(source), offset, F.col("_reason"), F.col("_detail"), row_as_json(columns)))
        return write_quarantine(self.spark, self.context, "clean", f"{self.context.job_name}-{entity}", records)

    def current_state(self, table: str) -> tuple[DataFrame | None, int, int]:
        """Return (live rows, rows in, soft-deleted) of `cdc/<table>`."""
        cdc = read_delta(self.spark, self.context.curated(f"cdc/{table}"))
        if cdc is None:
            return None, 0, 0
        cdc = cdc.cache()
        live = cdc.filter(~F.col("is_deleted"))
        total, live_count = cdc.count(), live.count()
        return live, total, total - live_count

    def run_entities(self, salt: str) -> None:
        id_map = None
        customers, rows_in, deleted = self.current_state("customers")
        if customers is not None:
            clean, rejected, duplicates, id_map = conform.conform_customers(customers, salt)
            self._write_snapshot("customers", clean, rejected, rows_in, deleted, duplicates, ["customer_id"], customers.columns)
            overwrite_table(id_map, self.clean_path("customer_id_map"))
        if id_map is None:
            id_map = self.spark.createDataFrame([], "source_customer_id bigint, customer_id bigint")

        steps = {
            "orders": (lambda df: conform.conform_orders(df, id_map), ["order_id"]),
            "order_lines": (conform.conform_order_lines, ["order_id", "line_no"]),
            "payments": (conform.conform_payments, ["payment_id"]),
            "campaigns": (conform.conform_campaigns, ["campaign_id"]),
        }
        for table, (conform_table, keys) in steps.items():
            live, rows_in, deleted = self.current_state(table)
            if live is None:
                self.report.add_input(f"cdc/{table}", 0, 0)
                continue
            clean, rejected = conform_table(live)
            self._write_snapshot(table, clean, rejected, rows_in, deleted, 0, keys, live.columns)

    def _write_snapshot(self, entity: str, clean: DataFrame, rejected: DataFrame, rows_in: int, deleted: int,
                        duplicates: int, keys: list[str], columns: list[str]) -> None:
        overwrite_table(clean, self.clean_path(entity))
        offset = F.concat_ws(",", *[F.col(key).cast("string") for key in keys])
        quarantined = self.quarantine(entity, rejected, self.context.curated(f"cdc/{entity}"), offset, columns)
        rows_out = self.spark.read.format("delta").load(self.clean_path(entity)).count()
        self.report.add_input(f"cdc/{entity}", rows_in, rows_out, quarantined=quarantined,
                              duplicates_removed=duplicates, soft_deleted=deleted)

    def run_products(self) -> None:
        try:
            staged = self.spark.read.parquet(self.context.staging("catalog"))
        except AnalysisException as exc:  # nothing staged yet
            if "PATH_NOT_FOUND" not in str(exc) and "UNABLE_TO_INFER_SCHEMA" not in str(exc):
                raise
            self.report.add_input("staging/catalog", 0, 0)
            return
        # Every staged drop counts, later dates' drops included, so the product history only grows.
        # A re-run of an earlier date then keeps the versions that later drops added, and the
        # warehouse, which replaces dimension rows by key, never gets an old version back as current.
        staged = staged.withColumn("dt", F.col("dt").cast("date")).cache()
        try:
            versions, duplicates = conform.conform_products(staged)
            overwrite_table(versions, self.clean_path("products"))
            rows_out = self.spark.read.format("delta").load(self.clean_path("products")).count()
            self.report.add_input("staging/catalog", staged.count(), rows_out, duplicates_removed=duplicates)
        finally:
            # Spark 3.5 matches a later read of the same path to this cached plan without listing the
            # files again, so a cache left behind would hide new drops from the next in-process run.
            staged.unpersist()

    def run_campaign_events(self) -> None:
        files = list_files(self.spark, self.context.staging(f"campaign_events/dt={self.context.dt}"))
        if not files:
            self.report.add_input("staging/campaign_events", 0, 0)
            write_quarantine(self.spark, self.context, "clean", f"{self.context.job_name}-campaign_events", [])
            return

        schema = T.StructType([T.StructField(name, T.StringType()) for name in CAMPAIGN_EVENT_FIELDS]
                              + [T.StructField("_corrupt", T.StringType())])
        lines = (self.spark.read.text(files).withColumn("_source", F.col("_metadata.file_path"))
                 .withColumn("_line", F.monotonically_increasing_id()).filter(F.trim("value") != ""))
        parsed = lines.withColumn("_json", F.from_json("value", schema, {"columnNameOfCorruptRecord": "_corrupt"}))
        parsed = parsed.select("value", "_source", "_line", "_json.*").withColumn("dt", F.lit(self.context.dt).cast("date")).cache()

        campaigns = read_delta(self.spark, self.clean_path("campaigns"))
        if campaigns is None:
            campaigns = self.spark.createDataFrame([], "campaign_id string")
        clean, rejected, duplicates = conform.conform_campaign_events(parsed, campaigns)
        replace_partition(clean, self.clean_path("campaign_events"), "dt", self.context.dt)

        records = rejected.select(*quarantine_columns(
            "clean", F.col("_source"), F.coalesce("kinesis_sequence_number", F.col("_line").cast("string")),
            F.col("_reason"), F.col("_detail"), F.col("value")))
        quarantined = write_quarantine(self.spark, self.context, "clean", f"{self.context.job_name}-campaign_events", records)
        rows_out = clean.count()
        self.report.add_input("staging/campaign_events", parsed.count(), rows_out, quarantined=quarantined,
                              duplicates_removed=duplicates)

    def run_access_logs(self, lookback_days: int) -> None:
        """Conform the date's staged access-log records, then re-conform earlier dates that received late objects."""
        counts = self.conform_access_logs(self.context)
        self.report.add_input("staging/access_logs", counts.rows_in, counts.rows_out, quarantined=counts.quarantined,
                              duplicates_removed=counts.duplicates_removed)
        self.report.add_output("clean/sessions", counts.sessions)

        for days_back in range(lookback_days, 0, -1):
            self.reconform_late_access_logs(self.context.logical_date - timedelta(days=days_back))

    def reconform_late_access_logs(self, day: date) -> None:
        """Rebuild an earlier date's traffic partitions when its staging prefix got objects after its last run.

        Firehose partitions by the record's event date, so a line of day X delivered after X's run
        (a 23:59 request flushed after midnight) lands under `dt=X` with nothing left to read it.
        Only dates that ran before are rebuilt: a date that never ran conforms everything itself.
        """
        context = dataclasses.replace(self.context, logical_date=day)
        consumed = read_consumed(self.spark, context, ACCESS_LOG_SOURCE)
        if consumed is None:
            return
        late_objects = [uri for uri in self.staged_access_log_objects(context) if uri not in consumed]
        if not late_objects:
            return

        # NOTE: only the clean tables are rebuilt here. star/fact_network_traffic, its extract and the
        # warehouse keep the earlier date's sessions until that date runs again.
        counts = self.conform_access_logs(context, late_objects)
        self.report.add_input(f"staging/access_logs/dt={context.dt}", counts.rows_in, counts.rows_out,
                              quarantined=counts.quarantined, duplicates_removed=counts.duplicates_removed)
        self.report.add_output(f"late_access_log_objects/dt={context.dt}", len(late_objects))
        self.report.add_output(f"late_access_log_records/dt={context.dt}", counts.late_records)
        self.report.add_output(f"clean/sessions/dt={context.dt}", counts.sessions)

    def staged_access_log_objects(self, context: JobContext) -> list[str]:
        return list_files(self.spark, context.staging(f"access_logs/dt={context.dt}"))

    def conform_access_logs(self, context: JobContext, late_objects: list[str] | None = None) -> AccessLogCounts:
        """Replace `context.dt`'s page_events and sessions partitions from every object staged for that date."""
        files = self.staged_access_log_objects(context)
        if files:
            records = (self.spark.read.schema(web.ACCESS_LOG_SCHEMA).option("columnNameOfCorruptRecord", "_corrupt_record")
                       .json(files).withColumn("_source", F.col("_metadata.file_path")).cache())
        else:
            records = self.spark.createDataFrame([], web.ACCESS_LOG_SCHEMA).withColumn("_source", F.lit(None).cast("string"))
        usable, rejected = web.split_access_log_records(records)
        unique = web.dedupe_records(usable)
        events = web.assign_sessions(web.conform_page_events(unique)).cache()
        outside = events.filter(F.col("dt") != F.lit(context.dt).cast("date"))
        if outside.limit(1).count():
            raise ValueError(f"staged access logs under dt={context.dt} hold records of other dates; "
                             "check the Firehose dynamic partitioning on .dt")

        replace_partition(events, self.clean_path("page_events"), "dt", context.dt)
        sessions = web.build_sessions(events)
        replace_partition(sessions, self.clean_path("sessions"), "dt", context.dt)

        quarantine_records = rejected.select(*quarantine_columns(
            "clean", F.coalesce("source_key", "_source"), F.coalesce(F.col("line_number").cast("string"), F.lit("unknown")),
            F.col("_reason"), F.col("_detail"), F.coalesce("_corrupt_record", F.lit(""))))
        quarantined = write_quarantine(self.spark, context, "clean", f"{self.context.job_name}-access_logs", quarantine_records)
        rows_in, rows_out = records.count(), events.count()
        late_names = [uri.rsplit("/", 1)[-1] for uri in late_objects or []]
        late_records = records.filter(F.element_at(F.split("_source", "/"), -1).isin(late_names)).count() if late_names else 0
        stored_sessions = (self.spark.read.format("delta").load(self.clean_path("sessions"))
                           .filter(F.col("dt") == F.lit(context.dt).cast("date")).count())
        write_consumed(self.spark, context, ACCESS_LOG_SOURCE, files)
        records.unpersist()
        events.unpersist()
        return AccessLogCounts(rows_in, rows_out, quarantined, rows_in - quarantined - rows_out, stored_sessions, late_records)


def late_log_lookback_days(context: JobContext) -> int:
    """Return `--late_log_lookback_days` (default 1; 0 turns the check for late access-log objects off)."""
    text = context.option("late_log_lookback_days", str(DEFAULT_LATE_LOG_LOOKBACK_DAYS))
    if not text.isdigit():
        raise ValueError(f"invalid --late_log_lookback_days {text!r}: expected a whole number of days, 0 or more")
    return int(text)


def main() -> None:
    args = getResolvedOptions(sys.argv, COMMON_ARGUMENTS)
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    context = JobContext.from_args(args)
    run = CleanConform(spark, context)
    run.run_entities(context.option("email_hash_salt", DEFAULT_EMAIL_HASH_SALT))
    run.run_products()
    run.run_campaign_events()
    run.run_access_logs(late_log_lookback_days(context))
    run.report.write(spark, context)

    job.commit()


if __name__ == "__main__":
    main()
